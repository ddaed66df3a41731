using System.Security.Cryptography;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Optim;

namespace BertCore.Training;

/// <summary>Result of <see cref="SelfCheck.Run"/>: the loss of every step and a digest of the final weights.</summary>
public sealed record SelfCheckResult(float[] Losses, string WeightsSha256);

/// <summary>
/// A short, fully seeded MLM + NSP training run of a small random BERT with dropout on, on synthetic token ids.
/// Two runs with the same seed on the same backend give bitwise-identical losses and weights — in one process or
/// across processes — and the loss falls: `bertcore selfcheck` prints it so an installation can be verified.
/// </summary>
public static class SelfCheck
{
    public static SelfCheckResult Run(IBackend backend, int seed, int steps = 8)
    {
        var config = new BertConfig
        {
            VocabSize = 211, HiddenSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 3, IntermediateSize = 96,
            MaxPositionEmbeddings = 32, HiddenDropoutProb = 0.1f, AttentionProbsDropoutProb = 0.1f,
        };
        using var model = new BertForPreTraining(config);
        model.Initialize(seed);
        var parameters = model.Parameters().ToArray();
        using var training = new TrainingStep(backend, parameters, new AdamW(backend, ParameterGroup.DecayAndNoDecay(parameters, 1e-3f, 0.01f)),
            LrSchedule.Linear(2, steps), maxGradNorm: null, (ulong)seed);
        var random = new Random(seed);
        const int batch = 4, seq = 19;
        var ids = new int[batch * seq];
        var labels = new int[batch * seq];
        var types = new int[batch * seq];
        var mask = new int[batch * seq];
        var losses = new float[steps];
        for (int step = 0; step < steps; step++)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                int position = i % seq, length = seq - (i / seq) * 3;   // rows get shorter: padding in three of four
                bool real = position < length;
                ids[i] = real ? 5 + (position * 7 + i / seq) % (config.VocabSize - 5) : 0;
                types[i] = real && position >= length / 2 ? 1 : 0;
                mask[i] = real ? 1 : 0;
                bool masked = real && position > 0 && random.NextDouble() < 0.15;
                labels[i] = masked ? ids[i] : MlmHead.IgnoreIndex;
                if (masked) ids[i] = 4;
            }
            int[] nsp = [.. Enumerable.Range(0, batch).Select(b => (b + step) % 2)];
            training.Begin();
            training.Accumulate(model.Forward(training.Graph, new BertBatch(batch, seq, ids, types, mask), labels, nsp).Loss!);
            losses[step] = (float)training.Finish().Loss;
        }
        return new SelfCheckResult(losses, Digest(model));
    }

    private static string Digest(BertForPreTraining model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in model.Parameters())
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Value.Span));
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
