using BertCore.Backends.Cpu;
using BertCore.Data;
using BertCore.Tests.Data;
using BertCore.Tests.IO;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary>A batch-size ramp (micro-batches per step) and a decreasing masking rate, on the corpus pipeline: each step
/// uses the count and rate its progress (steps taken / max steps) gives, and a run stopped and resumed from a
/// checkpoint ends bitwise where the uninterrupted run ends.</summary>
public class PretrainingRampResumeTests
{
    private const int Steps = 8, Batch = 2, Sequence = 16;
    private static readonly BertCore.Text.Vocabulary Vocabulary = MemoryCorpus.Vocabulary(words: 40, pieces: 10);
    private static readonly MemoryCorpus Corpus = MemoryCorpus.Random(Vocabulary, documents: 6, minSentences: 3, maxSentences: 8,
        minLength: 4, maxLength: 12, seed: 3);

    private static PretrainerOptions Options(string output) => new()
    {
        MaxSteps = Steps, OutputDirectory = output, LearningRate = 2e-3f, WarmupSteps = 2, GradientAccumulationSteps = 3, SaveEvery = 3,
        BatchRamp = new BatchRamp(StartMicroBatches: 1, Fraction: 0.5), MaskRate = new MaskRateSchedule(0.5, 0.15), Seed = 11,
    };

    private static PretrainingBatchSource Source() => new(Corpus, Vocabulary,
        new PretrainingDataOptions { MaxSequenceLength = Sequence, BatchSize = Batch, PadToMaxLength = true, Seed = 7 });

    private static Nn.Heads.BertForPreTraining Model(int seed) =>
        PretrainingModel.New(TinyPretraining.Config() with { VocabSize = Vocabulary.Count }, relationHead: false, seed: seed);

    [Fact]
    public void Each_step_takes_the_ramped_micro_batches_and_the_scheduled_masking_rate()
    {
        using var folder = new TempFolder();
        using var model = Model(5);
        using var source = Source();
        using var trainer = new Pretrainer(new CpuBackend(), model, Options(folder.Root), source);
        // Ramp 1 → 3 over the first half of 8 steps: k(s) = min(3, 1 + ⌊3 · (s / 8) / 0.5⌋) for s = 0..7.
        int[] expectedMicroBatches = [1, 1, 2, 3, 3, 3, 3, 3];
        for (int s = 0; s < Steps; s++)
        {
            var step = trainer.TrainStep();
            Assert.Equal(expectedMicroBatches[s] * Batch * Sequence, step.Positions);
            Assert.Equal(0.5 + (0.15 - 0.5) * s / Steps, source.MaskProbability, 12);
        }
    }

    [Fact]
    public void A_resumed_run_ends_bitwise_where_the_uninterrupted_run_ends()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        string straight;
        using (var model = Model(5))
        using (var source = Source())
        using (var trainer = new Pretrainer(new CpuBackend(), model, Options(a.Root), source))
        {
            Assert.True(trainer.Run().Completed);
            straight = TinyPretraining.Digest(model);
        }
        using (var model = Model(5))
        using (var source = Source())
        using (var trainer = new Pretrainer(new CpuBackend(), model, Options(b.Root), source))
        using (var stop = new CancellationTokenSource())
        {
            trainer.StepCompleted += p => { if (p.Step == 3) stop.Cancel(); };
            Assert.False(trainer.Run(stop.Token).Completed);
        }
        using (var model = Model(1234))
        using (var source = Source())
        using (var trainer = new Pretrainer(new CpuBackend(), model, Options(b.Root), source))
        {
            trainer.Resume(PretrainingCheckpoint.Latest(b.Root)!);
            Assert.Equal(3, trainer.Step);
            Assert.True(trainer.Run().Completed);
            Assert.Equal(straight, TinyPretraining.Digest(model));
        }
    }
}
