using System.CommandLine;
using BertCore.Backends;
using BertCore.Embeddings;
using BertCore.Inference;
using BertCore.Nn;
using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore evaluate</c>: scores a fine-tuned model on labelled data; a thin layer over <see cref="TaskModel.Evaluate"/>.</summary>
public sealed class EvaluateCommand : ICommand
{
    private readonly Option<string> _model = CliOption.Text("--model", "a fine-tuned model folder (bertcore finetune's --output)", required: true, valueName: "DIR");
    private readonly Option<string> _data = CliOption.Text("--data", "labelled data in the task's format", required: true, valueName: "FILE");
    private readonly Option<string> _features = CliOption.Text("--features",
        "the external features of FILE's examples (rows \"LINE v1 v2 ...\", LINE = the data line where the example starts); " +
        "required exactly when the model was trained with --features", valueName: "FILE");
    private readonly Option<string> _task = CliOption.Text("--task", "check the task, or read a classify model's data as pairs (pair) and back; similarity: score an embedding model", valueName: "TASK");
    private readonly Option<int> _batch = CliOption.Int("--batch", 64, "examples per forward pass", "B");
    private readonly Option<string> _device = CliOption.Device();
    private readonly Option<string> _quantize = CliOption.Quantize();
    private readonly Option<int> _threads = CliOption.Threads();

    public string Summary => "score a fine-tuned model on labelled data; prints the metrics as one JSON object";

    public string Notes => """
            Reads FILE as the model's task (saved in DIR/bertcore_task.json, or config.json's architectures for a
            Hugging Face folder), prepares it exactly as training did, and prints one JSON line:
              classify {"accuracy"}    pair {"accuracy", "f1"}    regress {"pearson", "spearman"}
              ner {"precision", "recall", "f1"} (seqeval, entity level)    qa {"exact_match", "f1"} (official SQuAD v1.1, percent)
            --task similarity reads DIR as an embedding model (any model folder; its pooling, else mean) and FILE as
            scored sentence pairs (STS-B): {"pearson", "spearman", "pairs"} of the cosine of the two vectors against the score.
        """;

    public Command Create()
    {
        var command = new Command("evaluate", Summary) { _model, _data, _features, _task, _batch, _device, _threads, _quantize };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        string model = parse.GetValue(_model)!, data = parse.GetValue(_data)!;
        string? task = parse.GetValue(_task), features = parse.GetValue(_features);
        int batch = parse.GetValue(_batch);
        if (batch < 1) throw new UsageException("--batch must be at least 1");
        var backend = CliOption.Backend(parse, _device, _threads);
        var precision = CliOption.Precision(parse.GetValue(_quantize)!);
        if (task == "similarity")
            return features == null ? EvaluateSimilarity(model, data, batch, backend, precision) : throw new UsageException("--features does not go with --task similarity");
        TaskKind? kind;
        try
        {
            kind = task == null ? null : TaskKinds.Parse(task);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        using var taskModel = TaskModel.Load(model, backend, batch, precision);
        Console.WriteLine(taskModel.Evaluate(data, kind, features).ToJson());
        return 0;
    }

    /// <summary>--task similarity: an embedding model's cosine similarities against the gold scores (<see cref="SimilarityEvaluation"/>).</summary>
    private static int EvaluateSimilarity(string model, string data, int batch, IBackend backend, InferencePrecision precision)
    {
        using var embedder = SentenceEmbedder.Load(model, new SentenceEmbedderOptions { Backend = backend, BatchSize = batch, Precision = precision });
        Console.WriteLine(SimilarityEvaluation.Evaluate(embedder, data).ToJson());
        return 0;
    }
}
