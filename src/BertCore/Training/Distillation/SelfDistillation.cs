using BertCore.Checkpoints;
using BertCore.Training.FineTuning;

namespace BertCore.Training.Distillation;

/// <summary>
/// Self-distillation ("born-again" networks): fine-tune a model on the task (the teacher, saved in
/// OUTPUT/<see cref="TeacherFolder"/>), compute its soft labels on the training data, then fine-tune the same
/// starting model again, of the same shape, on α · soft labels + (1 − α) · hard labels into OUTPUT. Both runs use
/// the same fine-tuning options and seed; OUTPUT/teacher/results.json is the plain fine-tuning baseline.
/// </summary>
public static class SelfDistillation
{
    /// <summary>The teacher's folder inside the output folder.</summary>
    public const string TeacherFolder = "teacher";

    /// <summary>The first run's options: those of the whole run, writing into OUTPUT/teacher.</summary>
    public static FineTunerOptions TeacherOptions(FineTunerOptions options) =>
        options with { OutputDirectory = Path.Combine(options.OutputDirectory, TeacherFolder) };

    /// <summary>The second run: the student has the starting model's shape and weights, the teacher is the first run's model.</summary>
    /// <exception cref="ArgumentException">The setup does not start from a model folder.</exception>
    public static DistillationSetup StudentSetup(FineTuningSetup setup, FineTunerOptions options, string? cacheDirectory = null)
    {
        string model = setup.ModelDirectory ?? throw new ArgumentException("self-distillation starts from a model folder");
        return new DistillationSetup
        {
            Task = setup.Task, TeacherDirectory = TeacherOptions(options).OutputDirectory, StudentConfig = ModelDirectory.LoadConfig(model),
            StudentStart = StudentStart.Directory, StudentInitDirectory = model, TrainFile = setup.TrainFile, DevFile = setup.DevFile,
            MaxTrainExamples = setup.MaxTrainExamples, MaxDevExamples = setup.MaxDevExamples, CacheDirectory = cacheDirectory,
        };
    }
}
