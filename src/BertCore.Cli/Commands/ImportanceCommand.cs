using System.CommandLine;
using System.Globalization;
using BertCore.Data;
using BertCore.Inference;
using BertCore.Inference.Importance;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore importance</c>: selective masking's token weights from a fine-tuned classifier; a thin layer over
/// <see cref="TokenImportance"/> and <see cref="ImportanceTally"/>.</summary>
public sealed class ImportanceCommand : ICommand
{
    private readonly Option<string> _taskModel = CliOption.Text("--task-model", "a fine-tuned classify model folder (bertcore finetune's --output)",
        required: true, valueName: "DIR");
    private readonly Option<string[]> _corpus = CliOption.Many("--corpus",
        "text to score, read as pretrain reads its corpus: one sentence per line (JSONL when FILE ends in .jsonl)", required: true, valueName: "FILE");
    private readonly Option<string> _output = CliOption.Text("--output", "token<TAB>weight lines for pretrain --importance (written atomically)",
        required: true, valueName: "FILE");
    private readonly Option<string> _method = CliOption.Text("--method",
        "buffer: Gu et al.'s buffer procedure; entropy: the prediction's entropy rise when the token is left out", fallback: "buffer",
        valueName: "M", among: [.. ImportanceMethods.Names]);
    private readonly Option<float?> _threshold = CliOption.MaybeFloat("--threshold",
        "δ: buffer, a token is important when P(y|s) − P(y|buffer + token) < δ (default 0.01); entropy, when the entropy rises by more than δ nats (default 0.05)", "D");
    private readonly Option<float> _smoothing = CliOption.Float("--smoothing", 10f,
        "pseudo-occurrences at the corpus's important fraction added to every token's count (0: tokens never judged important get weight 0)", "M");
    private readonly Option<int> _maxSentences = CliOption.Int("--max-sentences", 0, "score only the first N sentences (0: all)");
    private readonly Option<int> _top = CliOption.Int("--top", 20, "print the N heaviest tokens with their counts");
    private readonly Option<int> _batch = CliOption.Int("--batch", 256, "inputs (sentences or their buffers) per forward pass", "B");
    private readonly Option<string> _device = CliOption.Device();
    private readonly Option<int> _threads = CliOption.Threads();

    public string Summary => "score how much a fine-tuned classifier's predictions depend on each token (selective masking weights for pretrain --importance)";

    public string Notes => """
            Each sentence is tokenized by the model's tokenizer and each of its tokens judged important or not:
              buffer   the tokens enter an empty buffer left to right; a token is important when the buffer with it
                       falls less than δ short of the whole sentence's confidence in its predicted label, and then
                       leaves the buffer again (Gu et al. 2020, "Train No Evil", as the authors' code does it)
              entropy  a token is important when leaving it out raises the prediction's entropy by more than δ nats
            A token judged n times, k of them important, weighs ((k + m·r) / (n + m)) / r, where r is the important
            fraction of all tokens and m the smoothing: 1 is average (as pretrain weighs tokens the file leaves out;
            tokens never seen are left out), above 1 more important. Pretraining must use the model's vocabulary.
        """;

    public Command Create()
    {
        var command = new Command("importance", Summary)
        {
            _taskModel, _corpus, _output, _method, _threshold, _smoothing, _maxSentences, _top, _batch, _device, _threads,
        };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        string output = parse.GetValue(_output)!;
        int batch = parse.GetValue(_batch), top = parse.GetValue(_top);
        float smoothing = parse.GetValue(_smoothing);
        if (batch < 1) throw new UsageException("--batch must be at least 1");
        if (top < 0) throw new UsageException("--top must be 0 or positive");
        if (!float.IsFinite(smoothing) || smoothing < 0) throw new UsageException("--smoothing must be a finite number ≥ 0");
        var options = new ImportanceOptions
        {
            Method = ImportanceMethods.Parse(parse.GetValue(_method)!),
            Threshold = parse.GetValue(_threshold),
            MaxSentences = parse.GetValue(_maxSentences),
        };
        if (options.MaxSentences < 0) throw new UsageException("--max-sentences must be 0 (all) or positive");
        if (!double.IsFinite(options.EffectiveThreshold)) throw new UsageException("--threshold must be a finite number");
        using var model = TaskModel.Load(parse.GetValue(_taskModel)!, CliOption.Backend(parse, _device, _threads), batch);
        var sentences = CorpusReader.Read(parse.GetValue(_corpus)!).SelectMany(d => d.Sentences);
        var progress = new RateProgress("sentences");
        var tally = TokenImportance.Score(model, sentences, options, progress);
        progress.End();
        var weights = tally.Write(output, model.Tokenizer.Vocabulary, smoothing);
        var vocabulary = model.Tokenizer.Vocabulary;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{tally.Sentences} sentences, {tally.Occurrences} tokens judged ({options.Method.ToString().ToLowerInvariant()}, δ {options.EffectiveThreshold}): " +
            $"{tally.Important} important ({100.0 * tally.Important / Math.Max(1, tally.Occurrences):F1}%); {weights.Length} tokens weighed in {output}"));
        foreach (var t in weights.Take(top))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {vocabulary[t.Id],-16} {t.Weight,8:F3}  {t.Important}/{t.Occurrences} important"));
        return 0;
    }
}
