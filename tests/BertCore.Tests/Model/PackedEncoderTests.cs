using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Model;

/// <summary>
/// <see cref="BertEncoder.ForwardPacked"/> against the padded <see cref="BertEncoder.Forward"/> of the same sequences
/// (its oracle: the PyTorch-parity-tested path), and the bits of one sequence whatever shares its packed batch, on a
/// model large enough for the CPU backend's GEMMs, attention and LayerNorm to use two threads.
/// </summary>
public class PackedEncoderTests
{
    private static readonly BertConfig Config = new()
    {
        VocabSize = 500, HiddenSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 256, MaxPositionEmbeddings = 64,
    };

    private static readonly CpuBackend Backend = new(threads: 2);

    /// <summary>50 sequences of 1 to 64 tokens (ids and segment ids random, seeded).</summary>
    private static readonly (int[] Ids, int[] Types)[] Sequences = Enumerable.Range(0, 50).Select(i =>
    {
        int length = 1 + (i * 37 + 11) % 64;
        return (TestData.Ints(length, 100 + i, Config.VocabSize), TestData.Ints(length, 200 + i, 2));
    }).ToArray();

    private static BertEncoder Encoder()
    {
        var encoder = new BertEncoder(Config);
        encoder.Initialize(7);
        return encoder;
    }

    private static PackedBatch Pack(IEnumerable<int> which)
    {
        var chosen = which.Select(i => Sequences[i]).ToArray();
        var offsets = new int[chosen.Length + 1];
        for (int n = 0; n < chosen.Length; n++) offsets[n + 1] = offsets[n] + chosen[n].Ids.Length;
        return new PackedBatch([.. chosen.SelectMany(s => s.Ids)], offsets, [.. chosen.SelectMany(s => s.Types)]);
    }

    /// <summary>Each sequence's last hidden rows [len, H] and pooler output [H] from one packed forward.</summary>
    private static (float[] Hidden, float[] Pooled)[] RunPacked(BertEncoder encoder, PackedBatch batch)
    {
        using var g = new Graph(Backend);
        using var noGrad = g.NoGrad();
        var output = encoder.ForwardPacked(g, batch);
        float[] hidden = output.LastHiddenState.ToArray(), pooled = output.PoolerOutput!.ToArray();
        int h = Config.HiddenSize;
        return Enumerable.Range(0, batch.Count)
            .Select(n => (hidden[(batch.Offsets[n] * h)..(batch.Offsets[n + 1] * h)], pooled[(n * h)..((n + 1) * h)])).ToArray();
    }

    /// <summary>Packed and padded agree within 1e-5 of each tensor's largest value: the padded softmax also sums the masked
    /// keys' exact zeros, in other vector lanes, and GEMM rows fall in other tiles, so only fp32 rounding differs
    /// (about 1e-7 per op, grown through two layers of LayerNorm).</summary>
    [Fact]
    public void Packed_forward_matches_the_padded_forward()
    {
        using var encoder = Encoder();
        var packed = RunPacked(encoder, Pack(Enumerable.Range(0, Sequences.Length)));
        int s = Sequences.Max(x => x.Ids.Length), b = Sequences.Length, h = Config.HiddenSize;
        int[] ids = new int[b * s], types = new int[b * s], mask = new int[b * s];
        for (int n = 0; n < b; n++)
        {
            Sequences[n].Ids.CopyTo(ids, n * s);
            Sequences[n].Types.CopyTo(types, n * s);
            Array.Fill(mask, 1, n * s, Sequences[n].Ids.Length);
        }
        using var g = new Graph(Backend);
        using var noGrad = g.NoGrad();
        var padded = encoder.Forward(g, new BertBatch(b, s, ids, types, mask));
        float[] hidden = padded.LastHiddenState.ToArray(), pooled = padded.PoolerOutput!.ToArray();
        for (int n = 0; n < b; n++)
        {
            int length = Sequences[n].Ids.Length;
            Close.RelativeToMax(packed[n].Hidden, hidden.AsSpan(n * s * h, length * h), 1e-5, $"sequence {n} hidden");
            Close.RelativeToMax(packed[n].Pooled, pooled.AsSpan(n * h, h), 1e-5, $"sequence {n} pooled");
        }
    }

    /// <summary>A sequence alone, among 3 and among all 50 (at another place each time) gives the same bits: no op of
    /// the packed path lets rows of other sequences, or the total row count, into a row's arithmetic.</summary>
    [Fact]
    public void A_sequence_has_the_same_bits_in_any_packed_batch()
    {
        using var encoder = Encoder();
        const int Probe = 10;   // 62 tokens: after the 59 of sequence 3 it starts mid-tile
        var alone = RunPacked(encoder, Pack([Probe]))[0];
        var amongThree = RunPacked(encoder, Pack([3, Probe, 40]))[1];
        var amongAll = RunPacked(encoder, Pack(Enumerable.Range(0, Sequences.Length).Reverse()))[Sequences.Length - 1 - Probe];
        Assert.Equal(alone.Hidden, amongThree.Hidden);
        Assert.Equal(alone.Pooled, amongThree.Pooled);
        Assert.Equal(alone.Hidden, amongAll.Hidden);
        Assert.Equal(alone.Pooled, amongAll.Pooled);
    }
}
