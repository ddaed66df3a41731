using System.CommandLine;
using System.Diagnostics;
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
        "(files ending .jsonl or .ndjson)", required: true, valueName: "FILE");
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
        """;

    public Command Create()
    {
        var command = new Command("vocab", Summary) { _corpus, _size, _cased, _minFrequency, _alphabetLimit, _output };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        IReadOnlyList<string> corpus = parse.GetValue(_corpus)!;
        int size = parse.GetValue(_size)!.Value;
        bool cased = parse.GetValue(_cased);
        int minFrequency = parse.GetValue(_minFrequency), alphabetLimit = parse.GetValue(_alphabetLimit);
        string output = parse.GetValue(_output)!;
        if (size <= Vocabulary.SpecialTokens.Count) throw new UsageException($"--size must be above {Vocabulary.SpecialTokens.Count}");
        if (minFrequency < 1) throw new UsageException("--min-frequency must be at least 1");
        if (alphabetLimit < 1) throw new UsageException("--alphabet-limit must be at least 1");

        var clock = Stopwatch.StartNew();
        var progress = new ProgressPrinter("bertcore vocab");
        var trainer = new WordPieceTrainer(size, lowercase: !cased, minFrequency, alphabetLimit);
        long sentences = 0;
        foreach (CorpusDocument document in CorpusReader.Read(corpus))
            foreach (string sentence in document.Sentences)
            {
                trainer.AddText(sentence);
                if (++sentences % 10_000 == 0)
                    progress.Report(new WorkProgress("counting words in sentences", sentences, 0));
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
