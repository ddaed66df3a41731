namespace BertCore.Data.Tasks;

/// <summary>The layout of a sequence-task file.</summary>
public enum TableFormat
{
    /// <summary>Tab-separated with a header line; no quoting (GLUE's TSV files and the raw MSRP files).</summary>
    Tsv,

    /// <summary>Comma-separated with a header line, quoted as RFC 4180 describes.</summary>
    Csv,

    /// <summary>One JSON object per line (blank lines are skipped).</summary>
    Jsonl,
}

/// <summary>How labels are read.</summary>
public enum LabelKind
{
    /// <summary>Class names or integers, kept as text (classification).</summary>
    Categorical,

    /// <summary>Numbers (regression, e.g. STS-B scores): parsed into <see cref="SequenceExample.Value"/>.</summary>
    Numeric,
}

/// <summary>Options of <see cref="SequenceFileReader.Read"/>; every default detects the layout from the file.</summary>
public sealed record SequenceReadOptions
{
    /// <summary>The file layout; null picks it from the extension (.csv → CSV, .jsonl/.json → JSONL, else TSV).</summary>
    public TableFormat? Format { get; init; }

    /// <summary>The sentence column; null takes the first of <see cref="SequenceFileReader.TextColumns"/> present.</summary>
    public string? TextColumn { get; init; }

    /// <summary>
    /// The second-sentence column; null takes the first of <see cref="SequenceFileReader.PairColumns"/> present
    /// (no pair when none is), "" reads single sentences even when such a column exists.
    /// </summary>
    public string? PairColumn { get; init; }

    /// <summary>The label column; null takes the first of <see cref="SequenceFileReader.LabelColumns"/> present.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Whether every example must have a label (training and evaluation); false for prediction input.</summary>
    public bool RequireLabels { get; init; } = true;

    /// <summary>Whether labels are class names or numbers.</summary>
    public LabelKind LabelKind { get; init; } = LabelKind.Categorical;
}
