using System.Globalization;
using System.Text.RegularExpressions;
using BertCore.IO;
using BertCore.Tensors;

namespace BertCore.Training;

/// <summary>
/// The checkpoint folders of a run, <c>OUTPUT/checkpoint-N</c> (N = optimizer steps taken): the model in
/// Hugging Face layout (config.json, model.safetensors, vocab.txt), <see cref="StateTensorsFile"/> and
/// <see cref="StateJsonFile"/>. A folder is filled under a temporary name (<c>checkpoint-N.tmp-xxxxxxxxxxxx</c>) and
/// renamed when complete, so a folder named <c>checkpoint-N</c> is always whole; a kill mid-save leaves only a
/// temporary folder, which <see cref="RemoveIncomplete"/> deletes.
/// </summary>
public static partial class PretrainingCheckpoint
{
    /// <summary>AdamW moments <c>m.&lt;param&gt;</c> and <c>v.&lt;param&gt;</c> for every parameter, and <c>step</c> (I32 [1]).</summary>
    public const string StateTensorsFile = "trainer_state.safetensors";

    /// <summary>A <see cref="TrainerState"/>.</summary>
    public const string StateJsonFile = "trainer_state.json";

    public static string FolderName(int step) => "checkpoint-" + step.ToString(CultureInfo.InvariantCulture);

    /// <summary>Complete checkpoint folders of <paramref name="outputDirectory"/>, oldest first.</summary>
    public static IReadOnlyList<(int Step, string Path)> List(string outputDirectory)
    {
        if (!Directory.Exists(outputDirectory)) return [];
        return Directory.EnumerateDirectories(outputDirectory)
            .Select(dir => (Match: Complete().Match(System.IO.Path.GetFileName(dir)), Path: dir))
            .Where(d => d.Match.Success && File.Exists(System.IO.Path.Combine(d.Path, StateJsonFile)))
            .Select(d => (int.Parse(d.Match.Groups[1].Value, CultureInfo.InvariantCulture), d.Path))
            .OrderBy(d => d.Item1)
            .ToList();
    }

    /// <summary>The newest complete checkpoint folder, or null when there is none.</summary>
    public static string? Latest(string outputDirectory) =>
        List(outputDirectory) is { Count: > 0 } all ? all[^1].Path : null;

    /// <summary>Deletes temporary folders that a killed save left behind.</summary>
    public static void RemoveIncomplete(string outputDirectory)
    {
        if (!Directory.Exists(outputDirectory)) return;
        foreach (var dir in Directory.EnumerateDirectories(outputDirectory))
            if (Temporary().IsMatch(System.IO.Path.GetFileName(dir))) Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// Creates <c>checkpoint-<paramref name="step"/></c>: <paramref name="fill"/> writes the files into a temporary
    /// folder, which is then renamed (replacing an older folder of the same step); then all but the newest
    /// <paramref name="keep"/> checkpoints are deleted. Returns the folder's path.
    /// </summary>
    public static string Write(string outputDirectory, int step, int keep, Action<string> fill)
    {
        Directory.CreateDirectory(outputDirectory);
        string final = System.IO.Path.Combine(outputDirectory, FolderName(step));
        AtomicDirectory.Write(final, fill);
        var all = List(outputDirectory);
        foreach (var (_, old) in all.Take(Math.Max(0, all.Count - keep))) Directory.Delete(old, recursive: true);
        return final;
    }

    /// <summary>Reads tensor <paramref name="name"/> into <paramref name="into"/>, or returns the one int of a
    /// scalar I32 tensor when <paramref name="into"/> is null.</summary>
    internal static int ReadState(SafeTensorsFile file, string path, string name, Tensor? into)
    {
        if (!file.Contains(name)) throw new InvalidFileException(path, null, $"has no tensor '{name}'");
        if (into != null)
        {
            file.ReadInto(name, into);
            return 0;
        }
        using var t = file.Read(name);
        return t.DType == DType.I32 && t.Count == 1 ? t.IntSpan[0] : throw new InvalidFileException(path, null, $"'{name}' is not one int32");
    }

    [GeneratedRegex(@"^checkpoint-(\d+)$")]
    private static partial Regex Complete();

    [GeneratedRegex(@"^checkpoint-\d+\.tmp-[0-9a-f]{12}$")]
    private static partial Regex Temporary();
}
