using BertCore.Autograd;
using BertCore.Data.Tasks;
using BertCore.Nn.Bert;
using BertCore.Tensors;

namespace BertCore.Training.FineTuning;

/// <summary>
/// Runs a task network over every feature of a <see cref="TaskData"/> for evaluation and prediction: no gradients,
/// dropout off, features batched longest first, outputs copied to the host in feature order. Where the network and
/// the backend can (<see cref="TaskNetwork.CanPack"/>, <see cref="BertEncoder.SupportsPacked"/>) each batch runs packed,
/// without padding: then a feature's outputs are the same bits whatever the batch size and the other features.
/// Leaves the graph's training flag as it was and its arena empty.
/// </summary>
public static class TaskRunner
{
    /// <summary>The outputs for every feature, with the mean loss when <paramref name="withTargets"/> and the data is labelled.</summary>
    /// <param name="g">The graph to run on (one per thread; the network's parameters are only read).</param>
    /// <param name="batchSize">Features per forward pass.</param>
    /// <param name="pack">Pack the batches where the network and backend can; false pads every batch to its longest feature.</param>
    public static TaskOutputs Run(Graph g, TaskNetwork network, TaskData data, int batchSize, bool withTargets = true, bool pack = true)
    {
        pack &= network.CanPack && BertEncoder.SupportsPacked(g.Backend);
        withTargets &= data.IsLabeled;
        var logits = new float[data.Count][];
        float[][]? endLogits = network.Spec.Task == TaskKind.Qa ? new float[data.Count][] : null;
        bool perToken = network.Spec.Task is TaskKind.Ner or TaskKind.Qa;
        double lossSum = 0;
        Span<float> scalar = stackalloc float[1];
        bool training = g.Training;
        g.Training = false;
        try
        {
            using var noGrad = g.NoGrad();
            foreach (int[] rows in LengthBucketSampler.InOrder(data.Lengths, batchSize))
            {
                var batch = data.Batch(rows, withTargets);
                Tensor? loss;
                if (pack)
                {
                    var packed = PackedBatch.FromPadded(batch.Inputs);
                    (var packedLogits, loss) = network.ForwardPacked(g, batch, packed);
                    if (endLogits != null) SplitStartEnd(g, packedLogits, rows, packed.Offsets, logits, endLogits);
                    else Split(g, packedLogits, rows, perToken ? packed.Offsets : null, logits);
                }
                else
                {
                    var output = network.Forward(g, batch);
                    loss = output.Loss;
                    Split(g, output.Logits, rows, data, perToken, logits);
                    if (endLogits != null) Split(g, output.EndLogits!, rows, data, perToken, endLogits);
                }
                if (loss != null)
                {
                    g.Backend.Download(loss, scalar);
                    lossSum += (double)scalar[0] * rows.Length;
                }
                g.Reset();
            }
        }
        finally
        {
            g.Reset();
            g.Training = training;
        }
        return new TaskOutputs(logits, endLogits, withTargets ? lossSum / data.Count : double.NaN);
    }

    /// <summary>
    /// Copies the outputs of a packed batch to the host: sequence outputs [B, labels] one row per feature, or with
    /// <paramref name="offsets"/> [B+1] per-token outputs [T, labels], feature b's tokens in rows offsets[b] .. offsets[b+1]-1.
    /// </summary>
    private static void Split(Graph g, Tensor output, int[] rows, int[]? offsets, float[][] into)
    {
        var host = new float[checked((int)output.Count)];
        g.Backend.Download(output, host);
        int width = output.Shape[output.Shape.Rank - 1];
        for (int b = 0; b < rows.Length; b++)
            into[rows[b]] = offsets == null
                ? host.AsSpan(b * width, width).ToArray()
                : host.AsSpan(offsets[b] * width, (offsets[b + 1] - offsets[b]) * width).ToArray();
    }

    /// <summary>
    /// Copies qa's packed outputs to the host: <paramref name="output"/> [T, 2] holds the start (column 0) and end
    /// (column 1) logits of each real token, feature b's in rows offsets[b] .. offsets[b+1]-1 ([B+1] offsets).
    /// </summary>
    private static void SplitStartEnd(Graph g, Tensor output, int[] rows, int[] offsets, float[][] start, float[][] end)
    {
        var host = new float[checked((int)output.Count)];
        g.Backend.Download(output, host);
        for (int b = 0; b < rows.Length; b++)
        {
            int first = offsets[b], length = offsets[b + 1] - first;
            float[] s = new float[length], e = new float[length];
            for (int t = 0; t < length; t++)
            {
                s[t] = host[2 * (first + t)];
                e[t] = host[2 * (first + t) + 1];
            }
            start[rows[b]] = s;
            end[rows[b]] = e;
        }
    }

    /// <summary>
    /// Copies each row of <paramref name="output"/> ([B, labels], [B, S, labels] or [B, S]) to the host; per-token
    /// outputs keep only the feature's own tokens (the padding is dropped).
    /// </summary>
    private static void Split(Graph g, Tensor output, int[] rows, TaskData data, bool perToken, float[][] into)
    {
        var host = new float[checked((int)output.Count)];
        g.Backend.Download(output, host);
        int perRow = host.Length / rows.Length;
        int sequence = output.Shape[1];
        for (int b = 0; b < rows.Length; b++)
        {
            int keep = perToken ? data.Lengths[rows[b]] * (perRow / sequence) : perRow;
            into[rows[b]] = host.AsSpan(b * perRow, keep).ToArray();
        }
    }
}
