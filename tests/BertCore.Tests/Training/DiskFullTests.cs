using BertCore.Backends.Cpu;
using BertCore.Tests.FineTuning;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary>
/// A checkpoint write into a disk that fills (a real tmpfs with room for one and a half checkpoints), in pretraining and
/// in fine-tuning: the write fails with an error naming the cause and the checkpoint, no partial folder remains, and the
/// previous checkpoint is intact (the same bytes) and resumable to the weights it holds.
/// </summary>
public class DiskFullTests
{
    private static PretrainerOptions Options(string output) => new() { MaxSteps = 10, OutputDirectory = output, LearningRate = 1e-3f, Seed = 3 };

    [TmpfsFact]
    public void A_pretraining_checkpoint_that_fills_the_disk_fails_naming_the_cause_and_keeps_the_previous_one()
    {
        // The size of one checkpoint on a tmpfs (each file takes whole pages), and the weights after one step.
        long checkpointBytes;
        string afterOneStep;
        using (var measure = new TempFolder())
        using (var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: false, seed: 5))
        using (var trainer = new Pretrainer(new CpuBackend(), model, Options(measure.Root), TinyPretraining.Source(21)))
        {
            trainer.TrainStep();
            checkpointBytes = Directory.GetFiles(trainer.SaveCheckpoint()).Sum(f => (new FileInfo(f).Length + 4095) / 4096 * 4096);
            afterOneStep = TinyPretraining.Digest(model);
        }

        using var disk = new Tmpfs(checkpointBytes * 3 / 2);
        string output = disk.File("run");
        using (var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: false, seed: 5))
        using (var trainer = new Pretrainer(new CpuBackend(), model, Options(output), TinyPretraining.Source(21)))
        {
            trainer.TrainStep();
            string first = trainer.SaveCheckpoint();
            var before = Directory.GetFiles(first).Order().Select(f => (f, TinyPretraining.Sha256OfFile(f))).ToArray();
            trainer.TrainStep();
            var error = Assert.Throws<IOException>(() => trainer.SaveCheckpoint());

            Assert.StartsWith($"could not write {Path.Combine(output, "checkpoint-2")}: ", error.Message);
            Assert.Contains("No space left on device", error.Message);
            Assert.Equal([first], Directory.GetDirectories(output));
            Assert.Equal(before, Directory.GetFiles(first).Order().Select(f => (f, TinyPretraining.Sha256OfFile(f))).ToArray());
        }

        // Another initialization: the weights must come from the surviving checkpoint, which holds step 1's.
        using var resumed = PretrainingModel.New(TinyPretraining.Config(), relationHead: false, seed: 77);
        using var again = new Pretrainer(new CpuBackend(), resumed, Options(output), TinyPretraining.Source(21));
        again.Resume(PretrainingCheckpoint.Latest(output)!);
        Assert.Equal(1, again.Step);
        Assert.Equal(afterOneStep, TinyPretraining.Digest(resumed));
    }

    [TmpfsFact]
    public void A_fine_tuning_checkpoint_that_fills_the_disk_fails_naming_the_cause_and_keeps_the_previous_one()
    {
        using var data = new TempFolder();
        var (files, vocab) = TinyTasks.Write(data.Root, classify: 64);
        FineTuningJob Job(string output) => FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = TaskKind.Classify, TrainFile = files.ClassifyTrain, Config = TinyTasks.Config(vocab), VocabPath = vocab,
        }, new FineTunerOptions { OutputDirectory = output, BatchSize = 8, LearningRate = 1e-3f, Seed = 3 });
        int[][] batches = [[0, 1, 2, 3], [4, 5, 6, 7]];

        long checkpointBytes;
        string afterOneStep;
        using (var job = Job(data.File("measure")))
        {
            job.Tuner.TrainStep([job.Tuner.Train.Batch(batches[0])]);
            checkpointBytes = Directory.GetFiles(job.Tuner.SaveCheckpoint()).Sum(f => (new FileInfo(f).Length + 4095) / 4096 * 4096);
            afterOneStep = TinyPretraining.Digest(job.Network.Model);
        }

        using var disk = new Tmpfs(checkpointBytes * 3 / 2);
        string output = disk.File("run");
        using (var job = Job(output))
        {
            job.Tuner.TrainStep([job.Tuner.Train.Batch(batches[0])]);
            string first = job.Tuner.SaveCheckpoint();
            var before = Directory.GetFiles(first).Order().Select(f => (f, TinyPretraining.Sha256OfFile(f))).ToArray();
            job.Tuner.TrainStep([job.Tuner.Train.Batch(batches[1])]);
            var error = Assert.Throws<IOException>(() => job.Tuner.SaveCheckpoint());

            Assert.StartsWith($"could not write {Path.Combine(output, "checkpoint-2")}: ", error.Message);
            Assert.Contains("No space left on device", error.Message);
            Assert.Equal([first], Directory.GetDirectories(output));
            Assert.Equal(before, Directory.GetFiles(first).Order().Select(f => (f, TinyPretraining.Sha256OfFile(f))).ToArray());
        }

        using var again = Job(output);
        foreach (var p in again.Network.Model.Parameters()) p.Value.Span.Clear();   // the weights must come from the checkpoint
        again.Tuner.Resume(FineTuningCheckpoints.Latest(output)!);
        Assert.Equal(1, again.Tuner.Step);
        Assert.Equal(afterOneStep, TinyPretraining.Digest(again.Network.Model));
    }
}
