using System.Diagnostics;
using System.Globalization;
using BertCore.Backends;
using BertCore.Checkpoints;
using BertCore.Cli.Plots;
using BertCore.IO;
using BertCore.Training.Distillation;
using BertCore.Training.FineTuning;

namespace BertCore.Demo;

/// <summary>The demo's distillation stage: the fine-tuned sentiment model (teacher) distilled into a student with half
/// its layers, started from the teacher's embeddings, head and every other layer (<see cref="StudentInitializer"/>),
/// and both dev scores. (A narrower, randomly initialized student cannot learn this task from the training set: its dev
/// sentences use adjectives that only the pretraining corpus, and so only the teacher's weights, know.)</summary>
/// <param name="Directory">The student's model folder.</param>
public sealed record DemoDistillation(string Task, string Metric, double Teacher, double Student, long TeacherParameters, long StudentParameters,
    string Directory, TimeSpan Elapsed)
{
    /// <summary>One line: both scores and sizes.</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"Distillation ({Task}): teacher {Metric} {Teacher:F4} ({TeacherParameters:N0} parameters) -> student {Student:F4} " +
        $"({StudentParameters:N0} parameters: half the layers, started from the teacher's; KD with T 2, alpha 0.5; {Elapsed.TotalSeconds:F0} s).");

    /// <summary>The student's shape: half of <paramref name="teacher"/>'s layers (at least 1), the same width.</summary>
    public static BertConfig StudentConfig(BertConfig teacher) => teacher with
    {
        NumHiddenLayers = Math.Max(1, teacher.NumHiddenLayers / 2), Id2Label = null, Label2Id = null, Architectures = null,
    };

    /// <summary>Distills the model of <paramref name="teacher"/> (a fine-tuned run of <paramref name="task"/>) into
    /// <paramref name="directory"/> with the fine-tuning budget's epochs, batch and learning rate.</summary>
    internal static DemoDistillation Run(IBackend backend, DemoTask task, DemoRun teacher, string directory, DemoBudget budget, int seed,
        Action<FineTuningProgress> step, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var config = ModelDirectory.LoadConfig(teacher.Directory);
        var setup = new DistillationSetup
        {
            Task = task.Task, TeacherDirectory = teacher.Directory, StudentConfig = StudentConfig(config), TrainFile = task.Train, DevFile = task.Dev,
            MaxTrainExamples = budget.MaxTrainExamples, MaxDevExamples = budget.MaxDevExamples,
        };
        var options = new FineTunerOptions
        {
            OutputDirectory = directory, Epochs = budget.Epochs, BatchSize = budget.Batch, LearningRate = budget.LearningRate, KeepCheckpoints = 0, Seed = seed,
        };
        using var job = DistillationJob.Prepare(backend, setup, options, new DistillationOptions());
        job.Tuner.StepCompleted += step;
        var result = job.Run(cancellation);
        RunPlots.Write(directory);
        if (!result.Completed) throw new OperationCanceledException("the demo was cancelled during distillation");
        return new DemoDistillation(task.Name, task.Task.PrimaryMetric(), teacher.Best(task.Task), result.Best?.Scores[task.Task.PrimaryMetric()] ?? double.NaN,
            job.Teacher.Model.ParameterCount, job.Student.Model.ParameterCount, directory, clock.Elapsed);
    }
}
