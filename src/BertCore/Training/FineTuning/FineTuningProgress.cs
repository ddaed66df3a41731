namespace BertCore.Training.FineTuning;

/// <summary>One dev evaluation of a fine-tuning run.</summary>
/// <param name="Step">Optimizer steps taken before it.</param>
/// <param name="Epoch">Fractional epochs done (1.5 = half-way through the second).</param>
/// <param name="Checkpoint">The checkpoint folder saved with it (deleted later unless kept).</param>
public sealed record FineTuningEvaluation(int Step, double Epoch, TaskScores Scores, string Checkpoint);

/// <summary>What <see cref="FineTuner.Run"/> reports after every optimizer step.</summary>
/// <param name="Step">Optimizer steps taken, this one included.</param>
/// <param name="TotalSteps">Steps the run plans (it may stop early).</param>
/// <param name="Epoch">Fractional epochs done.</param>
/// <param name="Loss">Mean training loss of the step's micro-batches.</param>
/// <param name="LearningRate">Learning rate this step used (peak × schedule factor).</param>
/// <param name="GradNorm">Global L2 norm of the gradient before clipping.</param>
/// <param name="ExamplesPerSecond">Features (texts, sentences, QA windows) per second of this step's compute.</param>
/// <param name="Eta">Estimated time to <see cref="TotalSteps"/>, from the mean step time so far (evaluations included).</param>
/// <param name="Evaluation">The dev evaluation that followed this step, if any.</param>
/// <param name="IsBest">The evaluation is the best so far (its checkpoint is now the best one).</param>
/// <param name="StoppingEarly">The evaluation ran out the patience: the run stops after this step.</param>
public sealed record FineTuningProgress(
    int Step, int TotalSteps, double Epoch, double Loss, double LearningRate, double GradNorm, double ExamplesPerSecond,
    TimeSpan Elapsed, TimeSpan Eta, FineTuningEvaluation? Evaluation, bool IsBest, bool StoppingEarly);

/// <summary>How a <see cref="FineTuner.Run"/> ended.</summary>
/// <param name="Completed">False when cancelled.</param>
/// <param name="StoppedEarly">Early stopping ended the run before its planned steps.</param>
/// <param name="Steps">Optimizer steps taken.</param>
/// <param name="Best">The best evaluation, whose model is in the output folder; null without dev data (the
/// output folder then holds the last model).</param>
/// <param name="Evaluations">Every dev evaluation, in order.</param>
public sealed record FineTuningResult(
    bool Completed, bool StoppedEarly, int Steps, double LastLoss, FineTuningEvaluation? Best,
    IReadOnlyList<FineTuningEvaluation> Evaluations, string OutputDirectory, TimeSpan Elapsed);
