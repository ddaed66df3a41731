using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BertCore.Data;
using BertCore.IO;
using BertCore.Text;

namespace BertCore.Cli.Commands;

/// <summary>
/// <c>bertcore vocab</c>: trains a WordPiece vocabulary on corpus files with <see cref="WordPieceTrainer"/> and
/// writes it as <c>vocab.txt</c>.
/// </summary>
public sealed class VocabCommand : ICommand
{
    private readonly Option<string[]> _corpus = CliOption.Many("--corpus",
        "plain text (one sentence or paragraph per line, a blank line between documents) or JSONL with a \"text\" field " +
        "(files ending .jsonl or .ndjson): general text, mixed with --in-domain text when both are given", valueName: "FILE");
    private readonly InDomainOptionSet _inDomain = new();
    private readonly Option<int?> _size = CliOption.MaybeInt("--size", "tokens in the vocabulary, special tokens included", required: true);
    private readonly Option<bool> _cased = CliOption.Flag("--cased", "keep case and accents; default lower-cases and strips accents (uncased models)");
    private readonly Option<int> _minFrequency = CliOption.Int("--min-frequency", 2, "merge a pair only when it occurs at least N times");
    private readonly Option<int> _alphabetLimit = CliOption.Int("--alphabet-limit", 1000, "keep at most the N most frequent characters");
    private readonly Option<string> _output = CliOption.Text("--output",
        "the vocab.txt to write (atomically: a failed run leaves no partial file)", required: true, valueName: "PATH");

    public string Summary => "train a WordPiece vocab.txt on text files (as Hugging Face BertWordPieceTokenizer does)";

    public string Notes => """
            Counts the words of the corpus (BERT's basic tokenization) and merges the most frequent pairs of pieces
            until the vocabulary has N tokens: [PAD] [UNK] [CLS] [SEP] [MASK], the characters, their ## forms, then
            the merged pieces.
            With both --corpus and --in-domain, the word counts of each are weighted so that the in-domain text
            makes up the fraction --in-domain-ratio of all words counted (as pretrain mixes its sequences).
        """;

    public Command Create()
    {
        var command = new Command("vocab", Summary) { _corpus, _size, _cased, _minFrequency, _alphabetLimit, _output };
        foreach (Option option in _inDomain.All)
            command.Options.Add(option);
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        IReadOnlyList<string> corpus = parse.GetValue(_corpus) ?? [], inDomain = _inDomain.Read(parse);
        int size = parse.GetValue(_size)!.Value;
        bool cased = parse.GetValue(_cased);
        int minFrequency = parse.GetValue(_minFrequency), alphabetLimit = parse.GetValue(_alphabetLimit);
        string output = parse.GetValue(_output)!;
        if (corpus.Count == 0 && inDomain.Count == 0) throw new UsageException("give --corpus FILE..., --in-domain FILE... or both");
        double? ratio = _inDomain.InDomainRatio(parse, hasGeneral: corpus.Count > 0);
        if (size <= Vocabulary.SpecialTokens.Count) throw new UsageException($"--size must be above {Vocabulary.SpecialTokens.Count}");
        if (minFrequency < 1) throw new UsageException("--min-frequency must be at least 1");
        if (alphabetLimit < 1) throw new UsageException("--alphabet-limit must be at least 1");

        var clock = Stopwatch.StartNew();
        var progress = new ProgressPrinter("bertcore vocab");
        WordPieceTrainer NewTrainer() => new(size, lowercase: !cased, minFrequency, alphabetLimit);
        long sentences = 0;
        WordPieceTrainer Count(IEnumerable<CorpusDocument> documents)
        {
            WordPieceTrainer counts = NewTrainer();
            foreach (CorpusDocument document in documents)
                foreach (string sentence in document.Sentences)
                {
                    counts.AddText(sentence);
                    if (++sentences % 10_000 == 0)
                        progress.Report(new WorkProgress("counting words in sentences", sentences, 0));
                }
            return counts;
        }
        IEnumerable<CorpusDocument> InDomainText() => CorpusReader.Read(inDomain, CorpusFormat.TaskFile, _inDomain.Columns(parse));

        WordPieceTrainer trainer;
        if (ratio is not { } r)
            trainer = Count(CorpusReader.Read(corpus));
        else if (corpus.Count == 0)
            trainer = Count(InDomainText());
        else
        {
            WordPieceTrainer task = Count(InDomainText()), general = Count(CorpusReader.Read(corpus));
            long total = task.WordCount + general.WordCount;
            double taskWeight = r * total / task.WordCount, generalWeight = (1 - r) * total / general.WordCount;
            trainer = NewTrainer();
            trainer.Add(task, taskWeight);
            trainer.Add(general, generalWeight);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bertcore vocab: --in-domain {task.WordCount:N0} words counted × {taskWeight:F3}, --corpus {general.WordCount:N0} words × " +
                $"{generalWeight:F3}: the in-domain text is {100 * r:F1}% of the counts"));
        }
        progress.Report(new WorkProgress("counting words in sentences", sentences, 0));
        Vocabulary vocabulary = trainer.Train(progress);
        progress.EndBar();
        AtomicFile.Write(output, stream => stream.Write(new UTF8Encoding(false).GetBytes(string.Join('\n', vocabulary.Tokens) + "\n")));
        Console.Error.WriteLine(
            $"bertcore vocab: {vocabulary.Count} tokens from {trainer.DistinctWords} distinct words in {sentences} sentences " +
            $"written to {output} ({clock.Elapsed.TotalSeconds:F1} s)");
        return 0;
    }
}
