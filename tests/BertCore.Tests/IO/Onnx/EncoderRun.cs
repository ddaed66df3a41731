using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Text;

namespace BertCore.Tests.IO.Onnx;

/// <summary>BertCore's side of the comparisons: the encoder of an imported model on the CPU, and mean pooling.</summary>
internal static class EncoderRun
{
    /// <summary>last_hidden_state [B, S, H] and the pooler output [B, H] (null without a pooler), flattened.</summary>
    public static (float[] Hidden, float[]? Pooled) Forward(BertForPreTraining model, BertBatch batch)
    {
        using var graph = new Graph(new CpuBackend());
        using var noGrad = graph.NoGrad();
        var output = model.Bert.Forward(graph, batch);
        return (output.LastHiddenState.ToArray(), output.PoolerOutput?.ToArray());
    }

    /// <summary>The texts tokenized as one batch, padded to the longest.</summary>
    public static BertBatch Batch(BertTokenizer tokenizer, IReadOnlyList<string> texts)
    {
        var encoded = tokenizer.EncodeBatch(texts);
        return new BertBatch(encoded.Batch, encoded.SequenceLength, encoded.InputIds, encoded.TokenTypeIds, encoded.AttentionMask);
    }

    /// <summary>Sentence embeddings [B][H]: the mean of <paramref name="hidden"/> [B, S, H] over the positions
    /// where <paramref name="mask"/> [B, S] is 1, L2-normalized (sentence-transformers' mean pooling).</summary>
    public static float[][] MeanPooledNormalized(float[] hidden, int[] mask, int batch, int sequence)
    {
        int width = hidden.Length / (batch * sequence);
        var result = new float[batch][];
        for (int b = 0; b < batch; b++)
        {
            var sum = new double[width];
            int count = 0;
            for (int s = 0; s < sequence; s++)
            {
                if (mask[b * sequence + s] == 0) continue;
                count++;
                for (int h = 0; h < width; h++) sum[h] += hidden[(b * sequence + s) * width + h];
            }
            double norm = Math.Sqrt(sum.Sum(v => (v / count) * (v / count)));
            result[b] = sum.Select(v => (float)(v / count / norm)).ToArray();
        }
        return result;
    }
}
