namespace BertCore.Training.FineTuning.Similarity;

/// <summary>The losses of bi-encoder training (<see cref="TaskKind.Similarity"/>), as sentence-transformers defines them.</summary>
public enum SimilarityLoss
{
    /// <summary>CosineSimilarityLoss: mean over the pairs of (cos(u, v) − score / max score)².</summary>
    Cosine,

    /// <summary>CoSENTLoss with scale 20: log(1 + Σ over pairs (i, j) with score_i &lt; score_j of e^{20 (cos_i − cos_j)}).</summary>
    CoSent,

    /// <summary>MultipleNegativesRankingLoss with scale 20: cross-entropy of each anchor over 20 × cos against every
    /// positive of the batch (its own is the target), the batch's hard negatives appended as further candidates.</summary>
    MultipleNegativesRanking,
}

/// <summary>Names and requirements of the <see cref="SimilarityLoss"/>es.</summary>
public static class SimilarityLosses
{
    /// <summary>The scale sentence-transformers multiplies cosines by in CoSENT and multiple-negatives ranking.</summary>
    public const float Scale = 20f;

    /// <summary>The command-line and bertcore_task.json name: cosine, cosent or mnrl.</summary>
    public static string Name(this SimilarityLoss loss) => loss switch
    {
        SimilarityLoss.Cosine => "cosine",
        SimilarityLoss.CoSent => "cosent",
        _ => "mnrl",
    };

    /// <summary>Parses <see cref="Name"/>.</summary>
    /// <exception cref="ArgumentException">Another name.</exception>
    public static SimilarityLoss Parse(string name) => name switch
    {
        "cosine" => SimilarityLoss.Cosine,
        "cosent" => SimilarityLoss.CoSent,
        "mnrl" => SimilarityLoss.MultipleNegativesRanking,
        _ => throw new ArgumentException($"unknown similarity loss '{name}': use cosine, cosent or mnrl"),
    };

    /// <summary>Whether the loss learns from scores (cosine, CoSENT) rather than from positives (mnrl).</summary>
    public static bool NeedsScores(this SimilarityLoss loss) => loss != SimilarityLoss.MultipleNegativesRanking;
}
