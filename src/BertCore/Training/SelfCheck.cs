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
        var run = new SelfCheckRun(model, training, new Random(seed), steps);
        TrainingLoop.Run(run, new TrainingCadence(steps, EvalEvery: 0, SaveEvery: 0, Evaluates: false, SaveOnCancel: false));
        return new SelfCheckResult(run.Losses, Digest(model));
    }

    /// <summary>The self-check's part of the loop: a synthetic MLM + NSP batch per step (fresh masks from the seeded
    /// random), each step's loss kept; nothing evaluated or saved.</summary>
    private sealed class SelfCheckRun(BertForPreTraining model, TrainingStep training, Random random, int steps) : ITrainingRun<float, string>
    {
        private const int Batch = 4, Seq = 19;
        private readonly int[] _ids = new int[Batch * Seq], _labels = new int[Batch * Seq], _types = new int[Batch * Seq], _mask = new int[Batch * Seq];

        /// <summary>[steps] the loss of each step.</summary>
        public float[] Losses { get; } = new float[steps];

        public int Step => training.Count;
        public bool StopRequested => false;

        public float TrainStep(out bool epochEnd)
        {
            epochEnd = false;
            int vocab = model.Config.VocabSize;
            for (int i = 0; i < _ids.Length; i++)
            {
                int position = i % Seq, length = Seq - (i / Seq) * 3;   // rows get shorter: padding in three of four
                bool real = position < length;
                _ids[i] = real ? 5 + (position * 7 + i / Seq) % (vocab - 5) : 0;
                _types[i] = real && position >= length / 2 ? 1 : 0;
                _mask[i] = real ? 1 : 0;
                bool masked = real && position > 0 && random.NextDouble() < 0.15;
                _labels[i] = masked ? _ids[i] : MlmHead.IgnoreIndex;
                if (masked) _ids[i] = 4;
            }
            int[] nsp = [.. Enumerable.Range(0, Batch).Select(b => (b + Step) % 2)];
            training.Begin();
            training.Accumulate(model.Forward(training.Graph, new BertBatch(Batch, Seq, _ids, _types, _mask), _labels, nsp).Loss!);
            return (float)training.Finish().Loss;
        }

        public string Evaluate(float loss, bool last) => throw new NotSupportedException("the self-check evaluates nothing");

        public void Record(float loss, string? evaluation) => Losses[Step - 1] = loss;

        public string SaveCheckpoint() => throw new NotSupportedException("the self-check saves nothing");

        /// <summary>Nothing: the caller prints the losses at the end.</summary>
        public void Report(float loss, string? evaluation, string? checkpoint, TimeSpan elapsed, TimeSpan eta)
        {
        }
    }

    private static string Digest(BertForPreTraining model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in model.Parameters())
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Value.Span));
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
