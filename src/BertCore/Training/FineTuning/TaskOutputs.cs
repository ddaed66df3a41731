namespace BertCore.Training.FineTuning;

/// <summary>
/// What a task network computed for every feature of a <see cref="TaskData"/>, on the host, in feature order.
/// </summary>
/// <param name="Logits">Per feature: classify / pair [labels]; regress [1]; ner [length × labels] row-major;
/// qa the start logits [length] (length = the feature's tokens, padding dropped).</param>
/// <param name="EndLogits">qa: per feature the end logits [length]; null for other tasks.</param>
/// <param name="Loss">Mean loss over the features (NaN when run without targets).</param>
public sealed record TaskOutputs(IReadOnlyList<float[]> Logits, IReadOnlyList<float[]>? EndLogits, double Loss);

/// <summary>A predicted class with its softmax probability.</summary>
public sealed record ClassPrediction(int Id, string Label, double Score);
