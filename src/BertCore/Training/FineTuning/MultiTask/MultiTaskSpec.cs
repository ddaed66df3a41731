using System.Text.Json;
using BertCore.Data.Tasks;
using BertCore.IO;

namespace BertCore.Training.FineTuning.MultiTask;

/// <summary>One task of a <see cref="MultiTaskSpec"/>.</summary>
/// <param name="Name">Its folder name in the output (letters, digits, '-', '_', '.'), unique.</param>
/// <param name="Task">classify, pair, regress, ner or qa.</param>
/// <param name="Train">Labelled training data in the task's format.</param>
/// <param name="Dev">Labelled dev data (optional).</param>
/// <param name="MaxTrain">Train on the first N examples only (null: all).</param>
/// <param name="MaxDev">Evaluate on the first N dev examples only (null: all).</param>
public sealed record MultiTaskEntry(string Name, TaskKind Task, string Train, string? Dev, int? MaxTrain, int? MaxDev);

/// <summary>
/// The tasks of a multi-task run, read from a JSON file:
/// <code>
/// {"tasks": [
///   {"name": "sst2", "task": "classify", "train": "sst2/train.tsv", "dev": "sst2/dev.tsv"},
///   {"name": "rte",  "task": "pair",     "train": "rte/train.tsv",  "dev": "rte/dev.tsv", "max_train": 2000}
/// ]}
/// </code>
/// name, task and train are required; dev, max_train and max_dev are optional. Relative paths are relative to the
/// spec file's folder.
/// </summary>
public sealed record MultiTaskSpec(IReadOnlyList<MultiTaskEntry> Tasks)
{
    /// <exception cref="InvalidFileException">Invalid JSON, a missing or unknown field, an unknown task, a repeated
    /// or unusable name, or fewer than two tasks; the message names the line.</exception>
    public static MultiTaskSpec Load(string path)
    {
        var root = LocatedJson.Parse(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (root.Kind != JsonValueKind.Object || root["tasks"] is not { Kind: JsonValueKind.Array, Items: { } items })
            throw new InvalidFileException(path, root.Line, "expected an object with a \"tasks\" array");
        var tasks = new List<MultiTaskEntry>();
        foreach (var item in items)
        {
            if (item.Kind != JsonValueKind.Object) throw new InvalidFileException(path, item.Line, "each task must be an object");
            foreach (var (key, value) in item.Properties!)
                if (key is not ("name" or "task" or "train" or "dev" or "max_train" or "max_dev"))
                    throw new InvalidFileException(path, value.Line, $"unknown field \"{key}\" (name, task, train, dev, max_train, max_dev)");
            string name = Text(path, item, "name")!;
            if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || name is "." or "..")
                throw new InvalidFileException(path, item["name"]!.Line, $"task name '{name}' must be letters, digits, '-', '_' or '.'");
            if (tasks.Any(t => t.Name == name)) throw new InvalidFileException(path, item["name"]!.Line, $"task name '{name}' is used twice");
            TaskKind kind;
            try
            {
                kind = TaskKinds.Parse(Text(path, item, "task")!);
                if (kind == TaskKind.Similarity) throw new ArgumentException("a bi-encoder (similarity) trains on its own, not in a multi-task run");
            }
            catch (ArgumentException e)
            {
                throw new InvalidFileException(path, item["task"]!.Line, e.Message, e);
            }
            string? dev = Text(path, item, "dev", required: false);
            tasks.Add(new MultiTaskEntry(name, kind, Path.Combine(folder, Text(path, item, "train")!), dev == null ? null : Path.Combine(folder, dev),
                Count(path, item, "max_train"), Count(path, item, "max_dev")));
        }
        if (tasks.Count < 2) throw new InvalidFileException(path, root.Line, $"a multi-task run needs at least two tasks; found {tasks.Count}");
        return new MultiTaskSpec(tasks);
    }

    private static string? Text(string path, LocatedJson item, string field, bool required = true)
    {
        var value = item[field];
        if (value == null)
            return required ? throw new InvalidFileException(path, item.Line, $"the task has no \"{field}\"") : null;
        if (value.Kind != JsonValueKind.String) throw new InvalidFileException(path, value.Line, $"\"{field}\" must be a string");
        return value.Text;
    }

    private static int? Count(string path, LocatedJson item, string field)
    {
        var value = item[field];
        if (value == null) return null;
        if (value.Kind != JsonValueKind.Number || !int.TryParse(value.Text, out int n) || n < 1)
            throw new InvalidFileException(path, value.Line, $"\"{field}\" must be a whole number of at least 1");
        return n;
    }
}
