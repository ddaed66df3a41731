using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tests.IO.Onnx;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Model;

/// <summary>
/// The arena of <see cref="BertEncoder.ForwardPacked"/> without a tape: each layer's intermediates are freed once its
/// output exists (<see cref="Backends.Arena.Keep"/>), so the peak holds the L + 1 hidden states and one layer's work,
/// not every layer's. Measured in bytes (<see cref="Backends.Arena.PeakBytesInUse"/>), not time, on a small random
/// encoder and on minilm-l6 with SST-2 dev sentences.
/// </summary>
public class PackedEncoderMemoryTests(ITestOutputHelper output, ImportedRealModels models) : IClassFixture<ImportedRealModels>
{
    private static readonly BertConfig Config = new()
    {
        VocabSize = 500, HiddenSize = 128, NumHiddenLayers = 4, NumAttentionHeads = 4, IntermediateSize = 512, MaxPositionEmbeddings = 64,
    };

    private static readonly CpuBackend Backend = new(threads: 2);

    /// <summary><paramref name="count"/> sequences of 1 to 64 tokens, packed.</summary>
    private static PackedBatch Batch(int count)
    {
        var lengths = Enumerable.Range(0, count).Select(i => 1 + (i * 37 + 11) % 64).ToArray();
        var offsets = new int[count + 1];
        for (int n = 0; n < count; n++) offsets[n + 1] = offsets[n] + lengths[n];
        return new PackedBatch(TestData.Ints(offsets[^1], 5, Config.VocabSize), offsets);
    }

    private static BertEncoder Encoder(int layers)
    {
        var encoder = new BertEncoder(Config with { NumHiddenLayers = layers });
        encoder.Initialize(3);
        return encoder;
    }

    /// <summary>The arena's peak over one packed forward without a tape.</summary>
    private static long Peak(BertEncoder encoder, PackedBatch batch)
    {
        using var g = new Graph(Backend);
        using var noGrad = g.NoGrad();
        encoder.ForwardPacked(g, batch);
        return g.Arena.PeakBytesInUse;
    }

    /// <summary>The same forward's layers run one after the other with nothing freed: what the arena held before.</summary>
    private static long PeakKeepingEverything(BertEncoder encoder, PackedBatch batch)
    {
        using var g = new Graph(Backend);
        using var noGrad = g.NoGrad();
        var h = encoder.Embeddings.Forward(g, g.Input(batch.InputIds, batch.Tokens), g.Input(batch.TokenTypeIds, batch.Tokens),
            g.Input(batch.PositionIds(), batch.Tokens));
        var offsets = g.Input(batch.Offsets, batch.Count + 1);
        foreach (var layer in encoder.Layers) h = layer.ForwardPacked(g, h, offsets);
        return g.Arena.PeakBytesInUse;
    }

    /// <summary>Three more layers add exactly their three [T, H] outputs to the peak (64-byte aligned), not their work.</summary>
    [Fact]
    public void Each_layer_beyond_the_first_adds_only_its_output_to_the_peak()
    {
        var batch = Batch(128);
        using var one = Encoder(1);
        using var four = Encoder(4);
        long hidden = ((long)batch.Tokens * Config.HiddenSize * sizeof(float) + 63) / 64 * 64;
        Assert.Equal(3 * hidden, Peak(four, batch) - Peak(one, batch));
    }

    /// <summary>Prints the peaks at batch 8 and 128 with and without freeing (the figures of docs/performance.md), and
    /// checks that freeing at least halves the peak of four layers at batch 128.</summary>
    [Fact]
    public void Peak_arena_bytes_at_batch_8_and_128()
    {
        using var encoder = Encoder(4);
        long freedAt128 = 0, keptAt128 = 0;
        foreach (int count in new[] { 8, 128 })
        {
            var batch = Batch(count);
            long freed = Peak(encoder, batch), kept = PeakKeepingEverything(encoder, batch);
            output.WriteLine($"batch {count} ({batch.Tokens} tokens), 4 layers of hidden {Config.HiddenSize}, feed-forward {Config.IntermediateSize}: " +
                $"peak {freed / 1024.0 / 1024:F2} MiB freeing each layer's intermediates, {kept / 1024.0 / 1024:F2} MiB keeping them");
            (freedAt128, keptAt128) = (freed, kept);
        }
        Assert.True(2 * freedAt128 < keptAt128, $"{freedAt128} bytes at the peak against {keptAt128} keeping everything");
    }

    /// <summary>minilm-l6 (6 layers, hidden 384) on the first 8 and 128 SST-2 dev sentences: the figures of
    /// docs/performance.md, and freeing at least halves the peak at batch 128.</summary>
    [RealModelFact]
    public void Peak_arena_bytes_of_minilm_on_sst2_sentences_at_batch_8_and_128()
    {
        var (folder, _) = models.Get("minilm-l6");
        using var model = ModelDirectory.LoadPreTraining(folder);
        var tokenizer = BertTokenizer.FromVocabFile(ModelDirectory.VocabPath(folder));
        var sentences = SequenceFileReader.Read(SharedData.File("sst2", "dev.tsv")).Examples.Take(128).Select(e => e.Text).ToArray();
        long freedAt128 = 0, keptAt128 = 0;
        foreach (int count in new[] { 8, 128 })
        {
            var encoded = tokenizer.EncodeBatch(sentences[..count]);
            var batch = PackedBatch.FromPadded(new BertBatch(encoded.Batch, encoded.SequenceLength, encoded.InputIds, encoded.TokenTypeIds, encoded.AttentionMask));
            long freed = Peak(model.Bert, batch), kept = PeakKeepingEverything(model.Bert, batch);
            output.WriteLine($"minilm-l6, {count} SST-2 dev sentences ({batch.Tokens} tokens): " +
                $"peak {freed / 1024.0 / 1024:F2} MiB freeing each layer's intermediates, {kept / 1024.0 / 1024:F2} MiB keeping them");
            (freedAt128, keptAt128) = (freed, kept);
        }
        Assert.True(2 * freedAt128 < keptAt128, $"{freedAt128} bytes at the peak against {keptAt128} keeping everything");
    }
}
