using System.Globalization;
using System.Text.RegularExpressions;
using BertCore.IO;

namespace BertCore.Training.FineTuning;

/// <summary>
/// The checkpoint folders of a fine-tuning run, <c>OUTPUT/checkpoint-N</c> (N = optimizer steps taken), each a
/// complete fine-tuned model folder (<see cref="TaskModelDirectory"/>) with <see cref="EvalResultsFile"/> when the step
/// was evaluated, and the trainer state that an exact resume needs (<see cref="PretrainingCheckpoint.StateJsonFile"/>,
/// <see cref="PretrainingCheckpoint.StateTensorsFile"/>, written by <see cref="FineTuner.SaveCheckpoint"/>). Folders
/// are written atomically (<see cref="AtomicDirectory"/>). After each save the best checkpoint, the newest one and
/// the newest <c>keep</c> others stay; the rest are deleted.
/// </summary>
public static partial class FineTuningCheckpoints
{
    /// <summary>The dev metrics of the checkpoint, one JSON object (<see cref="TaskScores.ToJson"/>).</summary>
    public const string EvalResultsFile = "eval_results.json";

    public static string FolderName(int step) => "checkpoint-" + step.ToString(CultureInfo.InvariantCulture);

    /// <summary>Complete checkpoint folders of <paramref name="outputDirectory"/>, oldest first.</summary>
    public static IReadOnlyList<(int Step, string Path)> List(string outputDirectory)
    {
        if (!Directory.Exists(outputDirectory)) return [];
        return Directory.EnumerateDirectories(outputDirectory)
            .Select(dir => (Match: Complete().Match(System.IO.Path.GetFileName(dir)), Path: dir))
            .Where(d => d.Match.Success)
            .Select(d => (int.Parse(d.Match.Groups[1].Value, CultureInfo.InvariantCulture), d.Path))
            .OrderBy(d => d.Item1)
            .ToList();
    }

    /// <summary>The newest checkpoint folder with a trainer state (one a resume can continue from), or null.</summary>
    public static string? Latest(string outputDirectory) =>
        List(outputDirectory).LastOrDefault(c => File.Exists(System.IO.Path.Combine(c.Path, PretrainingCheckpoint.StateJsonFile))).Path;

    /// <summary>Writes <c>checkpoint-<paramref name="step"/></c> (model folder, eval_results.json when
    /// <paramref name="scores"/> are given, and whatever <paramref name="writeState"/> writes into the folder) and
    /// returns its path.</summary>
    public static string Write(string outputDirectory, int step, TaskNetwork network, string? vocabPath, TaskScores? scores, Action<string> writeState)
    {
        Directory.CreateDirectory(outputDirectory);
        string path = System.IO.Path.Combine(outputDirectory, FolderName(step));
        AtomicDirectory.Write(path, dir =>
        {
            TaskModelDirectory.Save(dir, network, vocabPath);
            if (scores != null)
                AtomicFile.Write(System.IO.Path.Combine(dir, EvalResultsFile), s => s.Write(System.Text.Encoding.UTF8.GetBytes(scores.ToJson() + "\n")));
            writeState(dir);
        });
        return path;
    }

    /// <summary>Deletes every checkpoint but the one of <paramref name="bestStep"/> (null: none), the newest
    /// <paramref name="keep"/> others, and the newest of all (the one a resume continues from).</summary>
    public static void Prune(string outputDirectory, int? bestStep, int keep)
    {
        var all = List(outputDirectory);
        var others = all.Where(c => c.Step != bestStep).ToList();
        foreach (var (step, path) in others.Take(Math.Max(0, others.Count - keep)))
            if (step != all[^1].Step) Directory.Delete(path, recursive: true);
    }

    /// <summary>Deletes temporary folders a killed save left behind (<c>checkpoint-N.tmp-xxxxxxxxxxxx</c>).</summary>
    public static void RemoveIncomplete(string outputDirectory)
    {
        if (!Directory.Exists(outputDirectory)) return;
        foreach (var dir in Directory.EnumerateDirectories(outputDirectory))
            if (Temporary().IsMatch(System.IO.Path.GetFileName(dir))) Directory.Delete(dir, recursive: true);
    }

    /// <summary>Copies the model files of a checkpoint (everything but the trainer state, subfolders such as a
    /// similarity model's 1_Pooling included) into <paramref name="outputDirectory"/>, each atomically.</summary>
    public static void Publish(string checkpoint, string outputDirectory)
    {
        string[] state = [PretrainingCheckpoint.StateJsonFile, PretrainingCheckpoint.StateTensorsFile];
        foreach (var file in Directory.EnumerateFiles(checkpoint, "*", SearchOption.AllDirectories).Where(f => !state.Contains(System.IO.Path.GetRelativePath(checkpoint, f))))
        {
            string target = System.IO.Path.Combine(outputDirectory, System.IO.Path.GetRelativePath(checkpoint, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            AtomicFile.Write(target, s =>
            {
                using var source = File.OpenRead(file);
                source.CopyTo(s);
            });
        }
    }

    [GeneratedRegex(@"^checkpoint-(\d+)$")]
    private static partial Regex Complete();

    [GeneratedRegex(@"^checkpoint-\d+\.tmp-[0-9a-f]{12}$")]
    private static partial Regex Temporary();
}
