using BertCore.Autograd;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tensors;

namespace BertCore.Nn.Heads;

/// <summary>
/// Hugging Face BertForQuestionAnswering: qa_outputs (weight [2, H]) gives start and end logits per token; the
/// loss is the mean of the start and end cross-entropies over positions (answer positions outside the sequence
/// are clamped to S and ignored). No pooler.
/// </summary>
public sealed class BertForQuestionAnswering : Module
{
    public BertForQuestionAnswering(BertConfig config) : base("")
    {
        Bert = AddModule(new BertEncoder(config, withPooler: false));
        QaOutputs = AddModule(new Linear("qa_outputs", config.HiddenSize, 2));
    }

    public BertEncoder Bert { get; }
    public Linear QaOutputs { get; }
    public BertConfig Config => Bert.Config;

    /// <param name="startPositions">[B] token index of each answer's start (null: no loss).</param>
    /// <param name="endPositions">[B] token index of each answer's end.</param>
    public TaskOutput Forward(Graph g, BertBatch batch, int[]? startPositions = null, int[]? endPositions = null)
    {
        int b = batch.Batch, s = batch.SequenceLength;
        var encoded = Bert.Forward(g, batch);
        var start = Column(g, encoded.LastHiddenState, 0, b, s);
        var end = Column(g, encoded.LastHiddenState, 1, b, s);
        Tensor? loss = null;
        if (startPositions != null && endPositions != null)
        {
            var startLoss = g.CrossEntropy(start, g.Input(Clamp(startPositions, s), b), ignoreIndex: s);
            var endLoss = g.CrossEntropy(end, g.Input(Clamp(endPositions, s), b), ignoreIndex: s);
            loss = g.Add(startLoss, endLoss, 0.5f, 0.5f);
        }
        return new TaskOutput { Encoder = encoded, Logits = start, EndLogits = end, Loss = loss };
    }

    /// <summary>Inference on packed sequences (<see cref="BertEncoder.ForwardPacked"/>): logits [T, 2], the start (column 0)
    /// and end (column 1) logits of each real token, sequence n in rows offsets[n] .. offsets[n+1]-1.</summary>
    public Tensor ForwardPacked(Graph g, PackedBatch batch) => QaOutputs.Forward(g, Bert.ForwardPacked(g, batch).LastHiddenState);

    /// <summary>
    /// The loss of packed logits [T, 2] (<see cref="ForwardPacked"/>): the mean of the start and end cross-entropies, each
    /// over the sequence's own tokens. The logits are set out on the host in an [N, S] matrix (S the longest sequence)
    /// whose places past a sequence's end hold float.MinValue, so they weigh nothing in the softmax; positions are
    /// clamped and ignored as in <see cref="Forward"/>. Equal to Forward's loss when no sequence is padded (a padded
    /// batch's loss also spreads probability over its padding tokens, as Hugging Face's does). For inference: not recorded.
    /// </summary>
    /// <param name="startPositions">[N] token index of each answer's start.</param>
    /// <param name="endPositions">[N] token index of each answer's end.</param>
    public static Tensor PackedLoss(Graph g, Tensor logits, PackedBatch batch, int[] startPositions, int[] endPositions)
    {
        int n = batch.Count, s = batch.LongestSequence;
        var host = new float[2 * batch.Tokens];
        g.Backend.Download(logits, host);
        float[] start = new float[n * s], end = new float[n * s];
        Array.Fill(start, float.MinValue);
        Array.Fill(end, float.MinValue);
        for (int row = 0; row < n; row++)
            for (int t = batch.Offsets[row]; t < batch.Offsets[row + 1]; t++)
            {
                start[row * s + t - batch.Offsets[row]] = host[2 * t];
                end[row * s + t - batch.Offsets[row]] = host[2 * t + 1];
            }
        var startLoss = g.CrossEntropy(g.Input(start, n, s), g.Input(Clamp(startPositions, s), n), ignoreIndex: s);
        var endLoss = g.CrossEntropy(g.Input(end, n, s), g.Input(Clamp(endPositions, s), n), ignoreIndex: s);
        return g.Add(startLoss, endLoss, 0.5f, 0.5f);
    }

    /// <summary>Logits of output unit <paramref name="unit"/> (0 start, 1 end): h [B, S, H] → [B, S].</summary>
    private Tensor Column(Graph g, Tensor h, int unit, int b, int s)
    {
        var row = g.Input([unit], 1);
        var weight = g.GatherRows(QaOutputs.Weight.Value, row);                                         // [1, H]
        var bias = g.Reshape(g.GatherRows(g.Reshape(QaOutputs.Bias!.Value, 2, 1), row), 1);              // [1]
        return g.Reshape(g.Linear(h, weight, bias), b, s);
    }

    private static int[] Clamp(int[] positions, int s) => positions.Select(p => Math.Clamp(p, 0, s)).ToArray();

    public void Initialize(int seed)
    {
        Bert.Initialize(seed);
        QaOutputs.Initialize(Config.InitializerRange, new Random(seed + 1));
    }
}
