namespace BertCore.Text;

/// <summary>
/// Progress of a long data job (vocabulary training, corpus tokenization), reported through
/// <see cref="IProgress{T}"/>: the stage, units done, and the total when known (0 when not).
/// </summary>
public readonly record struct WorkProgress(string Stage, long Done, long Total);
