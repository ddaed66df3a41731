using System.CommandLine;
using System.Globalization;
using BertCore.Data.Tasks;

namespace BertCore.Cli.Commands;

/// <summary>The options <c>pretrain</c> and <c>vocab</c> share for in-domain text: a task's training file read as
/// fine-tuning reads it (labels dropped), and the fraction of the text it makes up next to <c>--corpus</c>.</summary>
internal sealed class InDomainOptionSet
{
    public readonly Option<string[]> Files = CliOption.Many("--in-domain",
        "in-domain text: a task's training file (TSV, CSV or JSONL with a header or fields as finetune reads them); only the text " +
        "column and the second-sentence column, if any, are read (labels dropped), each row's texts are sentences and the rows of " +
        "a file form one document", valueName: "FILE");
    public readonly Option<float?> Ratio = CliOption.MaybeFloat("--in-domain-ratio",
        "with --corpus: the fraction of the text taken from --in-domain, in (0, 1); the rest comes from --corpus", "R");
    public readonly Option<string> TextColumn = CliOption.Text("--in-domain-text-column",
        $"the text column or JSON field of --in-domain (default: the first of {string.Join(", ", SequenceFileReader.TextColumns)})", valueName: "NAME");
    public readonly Option<string> PairColumn = CliOption.Text("--in-domain-pair-column",
        $"the second-sentence column of --in-domain, or none (default: the first of {string.Join(", ", SequenceFileReader.PairColumns)}, if present)",
        valueName: "NAME");

    /// <summary>Every option of the set, to add to a command.</summary>
    public IEnumerable<Option> All => [Files, Ratio, TextColumn, PairColumn];

    /// <summary>The in-domain files (empty when none).</summary>
    public IReadOnlyList<string> Read(ParseResult parse) => parse.GetValue(Files) ?? [];

    /// <summary>
    /// The in-domain ratio: 1 when only in-domain text is given, null without in-domain text, and the value of
    /// <c>--in-domain-ratio</c> (required, in (0, 1)) when both in-domain and general text are given.
    /// </summary>
    /// <param name="hasGeneral">Whether general text (<c>--corpus</c>) was given.</param>
    /// <exception cref="UsageException">A missing, needless or out-of-range ratio, or column options without in-domain files.</exception>
    public double? InDomainRatio(ParseResult parse, bool hasGeneral)
    {
        float? ratio = parse.GetValue(Ratio);
        if (Read(parse).Count == 0)
        {
            if (ratio != null || parse.GetValue(TextColumn) != null || parse.GetValue(PairColumn) != null)
                throw new UsageException("--in-domain-ratio and --in-domain-*-column need --in-domain FILE");
            return null;
        }
        if (!hasGeneral)
            return ratio is null or 1 ? 1 : throw new UsageException("--in-domain-ratio needs --corpus (general text) to mix with");
        if (ratio is not { } r)
            throw new UsageException("--in-domain with --corpus needs --in-domain-ratio R: the fraction of the text from --in-domain");
        if (!(r is > 0 and < 1))
            throw new UsageException($"--in-domain-ratio must be above 0 and below 1, not {r.ToString(CultureInfo.InvariantCulture)}");
        return double.Parse(r.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>The columns of the in-domain files as <see cref="SequenceFileReader"/> takes them ("none" reads no second sentence).</summary>
    public SequenceReadOptions Columns(ParseResult parse) => new()
    {
        TextColumn = parse.GetValue(TextColumn),
        PairColumn = parse.GetValue(PairColumn) is "none" ? "" : parse.GetValue(PairColumn),
        RequireLabels = false,
    };
}
