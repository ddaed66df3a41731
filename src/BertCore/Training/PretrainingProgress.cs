namespace BertCore.Training;

/// <summary>Held-out masked-LM quality: accuracy of the argmax prediction at masked positions and
/// perplexity exp(mean cross-entropy) over all masked positions of the evaluation batches.</summary>
/// <param name="MaskedTokens">Masked positions scored.</param>
/// <param name="MeanLoss">Mean cross-entropy in nats, ln(perplexity).</param>
public sealed record MlmEvaluation(double Accuracy, double Perplexity, double MeanLoss, long MaskedTokens)
{
    /// <summary>ELECTRA: the discriminator's replaced-token accuracy over the real tokens (the MLM figures are then the
    /// generator's); NaN for other objectives.</summary>
    public double RtdAccuracy { get; init; } = double.NaN;

    /// <summary>ELECTRA: the share of real tokens left original (a draw equal to the original included), the accuracy of
    /// a discriminator that always answers "original"; NaN for other objectives.</summary>
    public double RtdBaseline { get; init; } = double.NaN;
}

/// <summary>What one optimizer step of a <see cref="Pretrainer"/> did.</summary>
/// <param name="Step">Optimizer steps taken, this one included (1 after the first).</param>
/// <param name="Loss">Training loss of the step: the mean over its micro-batches (MLM, plus the relation loss when trained).</param>
/// <param name="LearningRate">Learning rate this step used (base rate × schedule factor).</param>
/// <param name="GradNorm">Global L2 norm of the accumulated gradient, before clipping.</param>
/// <param name="TokensPerSecond">Positions (batch × sequence, padding included) per second of this step's compute.</param>
/// <param name="Eta">Estimated time to <see cref="MaxSteps"/>, from the mean step time of this run so far.</param>
/// <param name="Evaluation">Held-out result when this step was followed by an evaluation.</param>
/// <param name="Checkpoint">Folder of the checkpoint written after this step, if any.</param>
public sealed record PretrainingProgress(
    int Step, int MaxSteps, double Loss, double LearningRate, double GradNorm, double TokensPerSecond,
    TimeSpan Elapsed, TimeSpan Eta, MlmEvaluation? Evaluation, string? Checkpoint);
