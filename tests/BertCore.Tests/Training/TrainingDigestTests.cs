using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using BertCore.Backends.Cpu;
using BertCore.Tests.FineTuning;
using BertCore.Tests.IO;
using BertCore.Training;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary>
/// Behaviour pinned across refactors of the training step and loop: a fixed short pretraining run, a fixed short
/// fine-tuning run and the self-check run, each digested with SHA-256 over the bits of every step's loss, gradient
/// norm and learning rate, every evaluation's numbers and the final parameters, compared with a digest recorded on
/// main before the refactor.
/// <para>
/// How the digests were recorded: on main at 91c09df (before TrainingStep/TrainingLoop existed), by running these
/// tests with empty expectations and copying the digests their failure messages print, on an AMD EPYC with
/// AVX-512 (the 512-bit path: Vector512 accelerated), then on the same machine with <c>DOTNET_EnableAVX512=0</c>
/// (the 256-bit path an AVX2-only machine such as Zen 3 takes; DOTNET_PreferredVectorBitWidth=256 gave the same).
/// The two paths give different bits (the kernels branch on Vector512.IsHardwareAccelerated, which the JIT fixes
/// for the process, so a test cannot pin one), hence one digest per path. Within a path, every run goes through one
/// thread with 256-bit GEMM tiles and two threads with 512-bit tiles (where Vector512 is accelerated) and these
/// must agree bitwise. A machine whose bits differ from its path's digest fails here with the digest it computed
/// and its path, never passes silently; record its digest only after finding out why it differs.
/// </para>
/// <para>
/// Re-recorded on 2026-12-07 (branch dp, issue 26) for the pretraining and fine-tuning runs, which accumulate two
/// micro-batches per step: <see cref="TrainingStep"/> now back-propagates each micro-batch into zeroed gradients
/// and adds it to the total (instead of back-propagating into the running total), and micro-batch i draws its dropout
/// numbers from the step's start + i·<see cref="TrainingStep.MicroBatchRngStride"/>, so that data-parallel ranks
/// can give bitwise the same step. The self-check run (one micro-batch per step) kept its digest. Both paths recorded
/// on an AMD EPYC with AVX-512, the narrow one with DOTNET_EnableAVX512=0.
/// </para>
/// </summary>
public class TrainingDigestTests
{
    /// <summary>The recorded digests of the 512-bit path (Vector512 accelerated) and of the 256-bit path.</summary>
    private static readonly (string Wide, string Narrow) PretrainingDigest =
        ("2C785E68436F4BDEFF18674F644A90C6CA238ADE4AFCF1075F5129B165B3B4C8", "9E0A97994D00A0F51BFF060216ECDC91F24A8802F3D5292AC5B6C4BF49CA77E6");
    private static readonly (string Wide, string Narrow) FineTuningDigest =
        ("5723EF86616DCCC20371102F0FD01E179565F4DB1ECF565982E5D107A27F47DE", "DF2B69469077361B203EEC3A6702D80D356FA7BC33D13CB1A6B798FAAEFD07F0");
    private static readonly (string Wide, string Narrow) SelfCheckDigest =
        ("533392C4F3BC18E218C381297853B4FF4C6471B69BDA22E3F87F74A2DB4450C0", "0C87A9FE7A719AE82B9867CBEC6F15510C9F916A054EC896082865186F18FCCD");

    /// <summary>The CPU backends every run goes through: one thread with 256-bit GEMM tiles, two threads with 512-bit
    /// tiles where the machine has them (elsewhere the wide flag falls back to 256-bit tiles).</summary>
    private static CpuBackend[] Backends() => [new CpuBackend(1, wideTiles: false), new CpuBackend(2, wideTiles: Vector512.IsHardwareAccelerated)];

    private static string VectorPath => Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512 accelerated)" : "AVX2 (Vector512 not accelerated)";

    [Fact]
    public void Pretraining_run_matches_the_digest_recorded_before_the_refactor()
    {
        var digests = Backends().Select(backend =>
        {
            using var folder = new TempFolder();
            using var model = PretrainingModel.New(TinyPretraining.Config(dropout: 0.1f), relationHead: true, seed: 7);
            var options = new PretrainerOptions
            {
                MaxSteps = 6, OutputDirectory = folder.File("out"), LearningRate = 2e-3f, WarmupSteps = 2, RelationHead = true, Seed = 7,
                GradientAccumulationSteps = 2, MaxGradNorm = 0.5f, EvalEvery = 3, EvalBatches = 2, SaveEvery = 4,
            };
            using var digest = new Digest();
            using (var trainer = new Pretrainer(backend, model, options, TinyPretraining.Source(11), TinyPretraining.Source(12)))
            {
                trainer.StepCompleted += p =>
                {
                    digest.Add(p.Step, p.Loss, p.LearningRate, p.GradNorm);
                    if (p.Evaluation is { } e) digest.Add(e.Accuracy, e.Perplexity, e.MeanLoss, e.MaskedTokens);
                };
                var result = trainer.Run();
                Assert.True(result.Completed);
            }
            digest.Add(TinyPretraining.Digest(model));
            return digest.Hex();
        }).ToArray();
        AssertDigest(PretrainingDigest, digests);
    }

    [Fact]
    public void Fine_tuning_run_matches_the_digest_recorded_before_the_refactor()
    {
        using var data = new TempFolder();
        var (files, vocab) = TinyTasks.Write(data.Root);
        var digests = Backends().Select(backend =>
        {
            using var folder = new TempFolder();
            var options = new FineTunerOptions
            {
                OutputDirectory = folder.File("out"), MaxSteps = 8, BatchSize = 16, GradientAccumulationSteps = 2, LearningRate = 2e-3f,
                EvalEvery = 3, Seed = 5, AuxMlmWeight = 0.3f,
            };
            using var job = FineTuningJob.Prepare(backend, new FineTuningSetup
            {
                Task = TaskKind.Classify, TrainFile = files.ClassifyTrain, DevFile = files.ClassifyDev, Config = TinyTasks.Config(vocab), VocabPath = vocab,
            }, options);
            using var digest = new Digest();
            job.Tuner.StepCompleted += p =>
            {
                digest.Add(p.Step, p.Loss, p.LearningRate, p.GradNorm, p.Epoch);
                if (p.Evaluation is { } e) digest.Add(e.Scores.Loss, e.Scores.Primary);
            };
            var result = job.Run();
            Assert.True(result.Completed);
            digest.Add(TinyPretraining.Digest(job.Network.Model));
            return digest.Hex();
        }).ToArray();
        AssertDigest(FineTuningDigest, digests);
    }

    [Fact]
    public void Self_check_run_matches_the_digest_recorded_before_the_refactor()
    {
        var digests = Backends().Select(backend =>
        {
            var result = SelfCheck.Run(backend, seed: 3);
            using var digest = new Digest();
            foreach (float loss in result.Losses) digest.Add(loss);
            digest.Add(result.WeightsSha256);
            return digest.Hex();
        }).ToArray();
        AssertDigest(SelfCheckDigest, digests);
    }

    /// <summary>Every backend gave the same digest, and it is the one recorded for this machine's vector path.</summary>
    private static void AssertDigest((string Wide, string Narrow) recorded, string[] digests)
    {
        string expected = Vector512.IsHardwareAccelerated ? recorded.Wide : recorded.Narrow;
        Assert.True(digests.Distinct().Count() == 1,
            $"the CPU paths disagree ({VectorPath}): one thread, 256-bit tiles {digests[0]}; two threads, wide tiles {digests[1]}");
        Assert.True(expected == digests[0],
            $"digest {digests[0]} on this machine's path, {VectorPath}; recorded for that path: {expected}");
    }

    /// <summary>SHA-256 over the bits of the numbers added, in order.</summary>
    private sealed class Digest : IDisposable
    {
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public void Add(params double[] values)
        {
            foreach (double v in values) _sha.AppendData(BitConverter.GetBytes(BitConverter.DoubleToInt64Bits(v)));
        }

        public void Add(string text) => _sha.AppendData(System.Text.Encoding.UTF8.GetBytes(text));

        public string Hex() => Convert.ToHexString(_sha.GetHashAndReset());

        public void Dispose() => _sha.Dispose();
    }
}
