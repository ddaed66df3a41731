namespace BertCore.Data;

/// <summary>What the examples teach besides masked-LM.</summary>
public enum PretrainingObjective
{
    /// <summary>Masked-LM only: single segments of whole sentences packed up to the maximum length (RoBERTa style).</summary>
    Mlm,

    /// <summary>Masked-LM and next-sentence prediction: segment B is the true continuation of A or, half the time, text from another document (BERT).</summary>
    MlmNsp,

    /// <summary>Masked-LM and sentence-order prediction: A and B are consecutive text, swapped half the time (ALBERT).</summary>
    MlmSop,
}

/// <summary>Which tokens are masked together.</summary>
public enum MaskingStrategy
{
    /// <summary>Each token on its own (BERT).</summary>
    Token,

    /// <summary>All pieces of a word together; a word is a token and the <c>##</c> pieces that follow it.</summary>
    WholeWord,

    /// <summary>Spans of whole words with lengths drawn from a geometric distribution (SpanBERT).</summary>
    Span,
}

/// <summary>
/// Options of the pretraining data pipeline (<see cref="PretrainingBatchSource"/>); defaults follow BERT.
/// </summary>
public sealed record PretrainingDataOptions
{
    /// <summary>The longest example, [CLS] and [SEP]s included.</summary>
    public int MaxSequenceLength { get; init; } = 128;

    /// <summary>The chance that an example aims at a random length in [2, max] instead of the maximum, so the model also sees short inputs.</summary>
    public double ShortSequenceProbability { get; init; } = 0.1;

    public PretrainingObjective Objective { get; init; } = PretrainingObjective.Mlm;

    public MaskingStrategy Masking { get; init; } = MaskingStrategy.Token;

    /// <summary>The fraction of the non-special tokens of each example chosen for prediction.</summary>
    public double MaskProbability { get; init; } = 0.15;

    /// <summary>Of the chosen tokens, the fraction replaced by [MASK].</summary>
    public double MaskTokenFraction { get; init; } = 0.8;

    /// <summary>Of the chosen tokens, the fraction replaced by a random non-special token (the rest stays unchanged).</summary>
    public double RandomTokenFraction { get; init; } = 0.1;

    /// <summary>The most tokens chosen in one example (BERT's max_predictions_per_seq); null for no limit.</summary>
    public int? MaxPredictionsPerSequence { get; init; }

    /// <summary>
    /// A TSV file of <c>token&lt;TAB&gt;weight</c> lines for selective masking (see <see cref="ImportanceWeights"/>);
    /// null masks uniformly. Works with <see cref="MaskingStrategy.Token"/> and <see cref="MaskingStrategy.WholeWord"/>.
    /// </summary>
    public string? ImportanceFile { get; init; }

    /// <summary>
    /// Masked-LM only: cut the corpus into consecutive runs of exactly <see cref="MaxSequenceLength"/> − 2 tokens,
    /// across sentence and document boundaries (no separator between documents) and without short sequences, so no
    /// batch holds padding except the last example's (as Cramming and most low-budget recipes pack). Without it
    /// examples are whole sentences of one document (RoBERTa's DOC-SENTENCES), padded.
    /// </summary>
    public bool Pack { get; init; }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Pad every batch to <see cref="MaxSequenceLength"/>; otherwise to its longest example.</summary>
    public bool PadToMaxLength { get; init; }

    /// <summary>The seed every random choice (examples, order, masks) is derived from.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Visit the examples in a new random order every epoch; otherwise in corpus order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Draw new masks every epoch; otherwise every epoch uses the same masks.</summary>
    public bool DynamicMasking { get; init; } = true;

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentException">The option named in the message is invalid.</exception>
    public void Validate()
    {
        Require(MaxSequenceLength >= 5, $"MaxSequenceLength {MaxSequenceLength} must be at least 5");
        Require(ShortSequenceProbability is >= 0 and <= 1, $"ShortSequenceProbability {ShortSequenceProbability} must be in [0, 1]");
        Require(MaskProbability is > 0 and <= 1, $"MaskProbability {MaskProbability} must be in (0, 1]");
        Require(MaskTokenFraction >= 0 && RandomTokenFraction >= 0 && MaskTokenFraction + RandomTokenFraction <= 1,
            $"MaskTokenFraction {MaskTokenFraction} and RandomTokenFraction {RandomTokenFraction} must be non-negative with a sum of at most 1");
        Require(MaxPredictionsPerSequence is null or >= 1, $"MaxPredictionsPerSequence {MaxPredictionsPerSequence} must be at least 1");
        Require(BatchSize >= 1, $"BatchSize {BatchSize} must be at least 1");
        Require(Enum.IsDefined(Objective) && Enum.IsDefined(Masking), "unknown objective or masking strategy");
        Require(!Pack || Objective == PretrainingObjective.Mlm, "Pack works with the masked-LM objective only (pairs need sentence boundaries)");
        Require(ImportanceFile is null || Masking != MaskingStrategy.Span, "an importance file works with token or whole-word masking, not span");
    }

    /// <summary>Parses the CLI spelling of an objective: <c>mlm</c>, <c>mlm+nsp</c> or <c>mlm+sop</c>.</summary>
    /// <exception cref="ArgumentException">Another spelling.</exception>
    public static PretrainingObjective ParseObjective(string text) => text switch
    {
        "mlm" => PretrainingObjective.Mlm,
        "mlm+nsp" => PretrainingObjective.MlmNsp,
        "mlm+sop" => PretrainingObjective.MlmSop,
        _ => throw new ArgumentException($"objective must be mlm, mlm+nsp or mlm+sop, not '{text}'", nameof(text)),
    };

    /// <summary>Parses the CLI spelling of a masking strategy: <c>token</c>, <c>whole-word</c> or <c>span</c>.</summary>
    /// <exception cref="ArgumentException">Another spelling.</exception>
    public static MaskingStrategy ParseMasking(string text) => text switch
    {
        "token" => MaskingStrategy.Token,
        "whole-word" => MaskingStrategy.WholeWord,
        "span" => MaskingStrategy.Span,
        _ => throw new ArgumentException($"masking must be token, whole-word or span, not '{text}'", nameof(text)),
    };

    private static void Require(bool condition, string problem)
    {
        if (!condition)
            throw new ArgumentException($"Invalid pretraining data options: {problem}.");
    }
}
