using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Tests.FineTuning;
using BertCore.Tests.IO;
using BertCore.Training;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary>
/// A batch that makes the loss or a gradient non-finite stops pretraining and fine-tuning with an error naming the
/// step and the tensor: "the training loss" when the loss is, else the first trained parameter (in parameter order)
/// whose gradient's fp32 sum of squares is not finite. Two poisons after two good steps: a NaN in an encoder weight
/// (the loss turns NaN), and a huge but finite head weight (1e20: the loss, about 1e20, stays finite, while the
/// gradients flowing back into the encoder grow until their squares overflow fp32).
/// </summary>
public class NonFiniteTrainingTests : IDisposable
{
    private const float Huge = 1e20f;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Pretraining_stops_naming_the_step_and_the_loss_or_the_first_non_finite_gradient()
    {
        Pretrain("bert.encoder.layer.1.output.dense.weight", float.NaN, out var nan);
        Assert.Equal("the training loss is NaN at step 3", nan.Message);

        var parameters = Pretrain("cls.seq_relationship.weight", Huge, out var huge);
        Assert.Equal($"the gradient norm is {float.PositiveInfinity} at step 3: the gradient of {FirstOverflowingGradient(parameters)} " +
            $"is the first whose sum of squares is not finite ({float.PositiveInfinity})", huge.Message);
    }

    [Fact]
    public void Fine_tuning_stops_naming_the_step_and_the_loss_or_the_first_non_finite_gradient()
    {
        FineTune("bert.encoder.layer.0.attention.output.dense.weight", float.NaN, out var nan);
        Assert.Equal("the training loss is NaN at step 3", nan.Message);

        var parameters = FineTune("classifier.weight", Huge, out var huge);
        Assert.Equal($"the gradient norm is {float.PositiveInfinity} at step 3: the gradient of {FirstOverflowingGradient(parameters)} " +
            $"is the first whose sum of squares is not finite ({float.PositiveInfinity})", huge.Message);
    }

    /// <summary>Two good steps, then <paramref name="poison"/> written into every element of parameter
    /// <paramref name="name"/>, then the step that must throw; returns a copy of every
    /// parameter's gradient of the failed step.</summary>
    private List<(string Name, bool Trainable, float[] Grad)> Pretrain(string name, float poison, out InvalidOperationException error)
    {
        using var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: 5);
        using var trainer = new Pretrainer(new CpuBackend(), model, new PretrainerOptions
        {
            MaxSteps = 10, OutputDirectory = _folder.File("pretrain"), LearningRate = 1e-3f, RelationHead = true, Seed = 3,
        }, TinyPretraining.Source(21));
        trainer.TrainStep();
        trainer.TrainStep();
        Poison(model.Parameters(), name, poison);
        error = Assert.Throws<InvalidOperationException>(() => trainer.TrainStep());
        Assert.Equal(2, trainer.Step);
        return Snapshot(model.Parameters());
    }

    private List<(string Name, bool Trainable, float[] Grad)> FineTune(string name, float poison, out InvalidOperationException error)
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 64);
        using var job = FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = TaskKind.Classify, TrainFile = files.ClassifyTrain, Config = TinyTasks.Config(vocab), VocabPath = vocab,
        }, new FineTunerOptions { OutputDirectory = _folder.File("finetune"), BatchSize = 16, LearningRate = 1e-3f, Seed = 3 });
        var tuner = job.Tuner;
        int[][] batches = [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19, 20, 21, 22, 23]];
        tuner.TrainStep([tuner.Train.Batch(batches[0])]);
        tuner.TrainStep([tuner.Train.Batch(batches[1])]);
        Poison(job.Network.Model.Parameters(), name, poison);
        error = Assert.Throws<InvalidOperationException>(() => tuner.TrainStep([tuner.Train.Batch(batches[2])]));
        Assert.Equal(2, tuner.Step);
        return Snapshot(job.Network.Model.Parameters());
    }

    private static void Poison(IEnumerable<Parameter> parameters, string name, float value) =>
        parameters.Single(p => p.Name == name).Value.Span.Fill(value);

    private static List<(string Name, bool Trainable, float[] Grad)> Snapshot(IEnumerable<Parameter> parameters) =>
        parameters.Select(p => (p.Name, p.Trainable, p.Grad.Span.ToArray())).ToList();

    /// <summary>The oracle: the first trainable parameter whose gradient's sum of squares, in double, is beyond the
    /// largest fp32 (or NaN). The sums here are either below 1e30 or above 1e38 by orders of magnitude, so the
    /// engine's fp32 accumulation order cannot move a parameter across the line.</summary>
    private static string FirstOverflowingGradient(List<(string Name, bool Trainable, float[] Grad)> parameters)
    {
        var first = parameters.Where(p => p.Trainable).First(p =>
        {
            double sum = p.Grad.Sum(g => (double)g * g);
            return !(sum <= float.MaxValue);
        });
        Assert.True(parameters.Where(p => p.Trainable).TakeWhile(p => p.Name != first.Name).All(p => p.Grad.Sum(g => (double)g * g) < 1e30),
            "a parameter before the first overflow is close to the fp32 limit: the poison does not separate them cleanly");
        return first.Name;
    }
}
