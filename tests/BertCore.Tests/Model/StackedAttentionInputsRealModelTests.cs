using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tests.IO.Onnx;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Model;

/// <summary>
/// all-MiniLM-L6-v2 (<see cref="RealModels"/>, imported from its ONNX file) frozen with each layer's Query, Key and
/// Value stacked into one product, against the same model frozen with them apart, on 64 real sentences (the first 32
/// pairs of STS-B dev) padded and packed: int8 the same bits, fp32 within 1e-5 of each tensor's largest value (the
/// bound of <see cref="StackedAttentionInputsTests"/>, here over six layers of 384; the largest error is logged).
/// </summary>
public class StackedAttentionInputsRealModelTests(ImportedRealModels models, ITestOutputHelper log) : IClassFixture<ImportedRealModels>
{
    [RealModelTheory]
    [InlineData(InferencePrecision.Fp32)]
    [InlineData(InferencePrecision.Int8)]
    public void Minilm_stacked_query_key_value_give_the_outputs_of_the_separate_ones(InferencePrecision precision)
    {
        var (folder, _) = models.Get("minilm-l6");
        using var stacked = ModelDirectory.LoadPreTraining(folder);
        using var separate = ModelDirectory.LoadPreTraining(folder);
        stacked.FreezeForInference(precision);
        separate.FreezeForInferenceUnfused(precision);
        Assert.All(stacked.Bert.Layers, layer => Assert.True(layer.StacksAttentionInputs));
        var sentences = SequenceFileReader.Read(SharedData.File("pairs", "stsb", "dev.tsv"), new SequenceReadOptions { LabelKind = LabelKind.Numeric })
            .Examples.Take(32).SelectMany(e => new[] { e.Text, e.TextPair! }).ToArray();
        var batch = EncoderRun.Batch(BertTokenizer.FromVocabFile(ModelDirectory.VocabPath(folder)), sentences);
        var actual = Outputs(stacked, batch);
        var expected = Outputs(separate, batch);
        for (int i = 0; i < actual.Length; i++)
        {
            log.WriteLine($"minilm-l6 {precision} {actual[i].Name}: max |stacked − separate| {MaxError(actual[i].Values, expected[i].Values):E2} " +
                $"(max |separate| {expected[i].Values.Max(Math.Abs):E2})");
            if (precision == InferencePrecision.Int8) Assert.True(actual[i].Values.AsSpan().SequenceEqual(expected[i].Values), $"int8 {actual[i].Name}: not the same bits");
            else Close.RelativeToMax(actual[i].Values, expected[i].Values, 1e-5, $"fp32 {actual[i].Name}");
        }
    }

    /// <summary>Last hidden state and pooler output of the padded forward ([B, S, H], [B, H]) and of the packed one ([T, H], [N, H]).</summary>
    private static (string Name, float[] Values)[] Outputs(BertForPreTraining model, BertBatch batch)
    {
        using var g = new Graph(new CpuBackend());
        using var noGrad = g.NoGrad();
        var padded = model.Bert.Forward(g, batch);
        var packed = model.Bert.ForwardPacked(g, PackedBatch.FromPadded(batch));
        return
        [
            ("padded hidden", padded.LastHiddenState.ToArray()), ("padded pooled", padded.PoolerOutput!.ToArray()),
            ("packed hidden", packed.LastHiddenState.ToArray()), ("packed pooled", packed.PoolerOutput!.ToArray()),
        ];
    }

    private static double MaxError(float[] a, float[] b) => a.Zip(b).Max(p => Math.Abs((double)p.First - p.Second));
}
