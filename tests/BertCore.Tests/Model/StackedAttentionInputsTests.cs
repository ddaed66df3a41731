using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Model;

/// <summary>
/// A model frozen for inference with each layer's Query, Key and Value stacked into one product that attention reads
/// in place, against the same model frozen with them apart (the path training runs and the parity tests check), on
/// padded and packed batches of a random model large enough for two-thread GEMMs. int8: the same bits (per-output-channel
/// weight scales and per-row activation scales are those of the separate Linears, and the int32 sums are exact). fp32:
/// within 1e-5 of each tensor's largest value (the stacked GEMM is 3H columns wide, so its tiles, and with them the
/// fp32 rounding of some sums, may differ: about 1e-7 per op, grown through two layers of LayerNorm).
/// </summary>
public class StackedAttentionInputsTests
{
    private static readonly BertConfig Config = new()
    {
        VocabSize = 500, HiddenSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 256, MaxPositionEmbeddings = 64,
    };

    private static readonly CpuBackend Backend = new(threads: 2);

    /// <summary>12 sequences of 3 to 64 tokens padded to 64 (ids and segment ids random, seeded).</summary>
    private static BertBatch Batch()
    {
        const int B = 12, S = 64;
        int[] ids = TestData.Ints(B * S, 300, Config.VocabSize), types = TestData.Ints(B * S, 301, 2), mask = new int[B * S];
        for (int n = 0; n < B; n++) Array.Fill(mask, 1, n * S, 3 + n * 61 / (B - 1));
        return new BertBatch(B, S, ids, types, mask);
    }

    private static BertEncoder Frozen(InferencePrecision precision, bool stacked)
    {
        var encoder = new BertEncoder(Config);
        encoder.Initialize(7);
        if (stacked) encoder.FreezeForInference(precision);
        else encoder.FreezeForInferenceUnfused(precision);
        Assert.All(encoder.Layers, layer => Assert.Equal(stacked, layer.StacksAttentionInputs));
        return encoder;
    }

    /// <summary>Last hidden state and pooler output of the padded forward ([B, S, H], [B, H]) and of the packed one ([T, H], [N, H]).</summary>
    private static (string Name, float[] Values)[] Outputs(BertEncoder encoder)
    {
        var batch = Batch();
        using var g = new Graph(Backend);
        using var noGrad = g.NoGrad();
        var padded = encoder.Forward(g, batch);
        var packed = encoder.ForwardPacked(g, PackedBatch.FromPadded(batch));
        return
        [
            ("padded hidden", padded.LastHiddenState.ToArray()), ("padded pooled", padded.PoolerOutput!.ToArray()),
            ("packed hidden", packed.LastHiddenState.ToArray()), ("packed pooled", packed.PoolerOutput!.ToArray()),
        ];
    }

    [Theory]
    [InlineData(InferencePrecision.Fp32)]
    [InlineData(InferencePrecision.Int8)]
    public void Stacked_query_key_value_give_the_outputs_of_the_separate_ones(InferencePrecision precision)
    {
        using var stacked = Frozen(precision, stacked: true);
        using var separate = Frozen(precision, stacked: false);
        var actual = Outputs(stacked);
        var expected = Outputs(separate);
        for (int i = 0; i < actual.Length; i++)
        {
            if (precision == InferencePrecision.Int8) Assert.True(actual[i].Values.AsSpan().SequenceEqual(expected[i].Values), $"int8 {actual[i].Name}: not the same bits");
            else Close.RelativeToMax(actual[i].Values, expected[i].Values, 1e-5, $"fp32 {actual[i].Name}");
        }
    }

    /// <summary>A frozen layer in training mode (attention dropout on) keeps the separate products: the stacked path has no dropout.</summary>
    [Fact]
    public void Training_mode_takes_the_separate_products()
    {
        using var stacked = Frozen(InferencePrecision.Fp32, stacked: true);
        using var separate = Frozen(InferencePrecision.Fp32, stacked: false);
        float[] Hidden(BertEncoder encoder)
        {
            using var g = new Graph(Backend) { Training = true };
            using var noGrad = g.NoGrad();
            return encoder.Forward(g, Batch()).LastHiddenState.ToArray();
        }
        Assert.Equal(Hidden(separate), Hidden(stacked));
    }
}
