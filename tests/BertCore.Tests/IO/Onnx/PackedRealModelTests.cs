using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Nn.Bert;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.IO.Onnx;

/// <summary>
/// The packed encoder on a real model (minilm-l6) and real sentences (64 SST-2 dev sentences, 3 to over 50 tokens):
/// against the padded forward in batches of 16 (whose parity with ONNX Runtime <see cref="OnnxImportRealModelTests"/>
/// checks), hidden states and pooler within 1e-5 of each tensor's largest value
/// (fp32 rounding only: the hidden states are of order 1 to 10); and one sentence's rows the same bits alone.
/// </summary>
public class PackedRealModelTests(ImportedRealModels models) : IClassFixture<ImportedRealModels>
{
    [RealModelFact]
    public void Packed_minilm_matches_the_padded_forward_on_real_sentences()
    {
        var (folder, _) = models.Get("minilm-l6");
        using var model = ModelDirectory.LoadPreTraining(folder);
        var tokenizer = BertTokenizer.FromVocabFile(ModelDirectory.VocabPath(folder));
        var sentences = SequenceFileReader.Read(SharedData.File("sst2", "dev.tsv")).Examples.Take(64).Select(e => e.Text).ToArray();
        var backend = new CpuBackend();

        var all = PackedBatch.FromPadded(Padded(tokenizer, sentences));
        var (hidden, pooled) = Packed(model.Bert, backend, all);
        int h = model.Config.HiddenSize, done = 0;
        foreach (var chunk in sentences.Chunk(16))
        {
            var batch = Padded(tokenizer, chunk);
            var (paddedHidden, paddedPooled) = EncoderRun.Forward(model, batch);
            for (int b = 0; b < batch.Batch; b++, done++)
            {
                int length = all.Length(done);
                Close.RelativeToMax(hidden.AsSpan(all.Offsets[done] * h, length * h), paddedHidden.AsSpan(b * batch.SequenceLength * h, length * h),
                    1e-5, $"sentence {done} hidden");
                Close.RelativeToMax(pooled.AsSpan(done * h, h), paddedPooled!.AsSpan(b * h, h), 1e-5, $"sentence {done} pooled");
            }
        }

        var alone = Packed(model.Bert, backend, PackedBatch.FromPadded(Padded(tokenizer, [sentences[40]])));
        Assert.Equal(hidden.AsSpan(all.Offsets[40] * h, all.Length(40) * h).ToArray(), alone.Hidden);
    }

    private static BertBatch Padded(BertTokenizer tokenizer, IReadOnlyList<string> texts)
    {
        var encoded = tokenizer.EncodeBatch(texts);
        return new BertBatch(encoded.Batch, encoded.SequenceLength, encoded.InputIds, encoded.TokenTypeIds, encoded.AttentionMask);
    }

    /// <summary>Hidden rows [T, H] and pooler output [N, H] of a packed forward.</summary>
    private static (float[] Hidden, float[] Pooled) Packed(BertEncoder encoder, CpuBackend backend, PackedBatch batch)
    {
        using var g = new Graph(backend);
        using var noGrad = g.NoGrad();
        var output = encoder.ForwardPacked(g, batch);
        return (output.LastHiddenState.ToArray(), output.PoolerOutput!.ToArray());
    }
}
