using System.Security.Cryptography;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Tensors;
using BertCore.Training.FineTuning;

namespace BertCore.Training.Distillation;

/// <summary>
/// The teacher's logits for every training feature, computed once (dropout off) and kept on disk, so logit
/// distillation runs the teacher once per example however many epochs, seeds or students follow. A cache file is
/// named by a SHA-256 key over everything its values depend on: the teacher's weights, config.json and task spec,
/// and the exact encoder inputs (token ids, segment ids) of every feature in order. A changed model, data file,
/// vocabulary, case handling or sequence length gives another key, so a stale cache is never read.
/// </summary>
public static class TeacherCache
{
    private const string Format = "bertcore-teacher-logits-v1";

    /// <summary>The teacher's logits per feature of <paramref name="data"/> (as <see cref="TaskOutputs.Logits"/>),
    /// read from <paramref name="cacheDirectory"/> when a file with the key exists, else computed and written there.</summary>
    /// <param name="teacherDirectory">The teacher's model folder (its files are part of the key).</param>
    /// <param name="log">Receives one line: whether the cache was used or written.</param>
    /// <exception cref="InvalidFileException">A cache file with the right name has other contents.</exception>
    public static IReadOnlyList<float[]> Logits(IBackend backend, TaskNetwork teacher, string teacherDirectory, TaskData data,
        string cacheDirectory, int batchSize, Action<string>? log = null)
    {
        string key = Key(teacher, teacherDirectory, data);
        string path = Path.Combine(cacheDirectory, $"teacher-logits-{key[..16]}.safetensors");
        if (File.Exists(path))
        {
            var cached = Read(path, key, data.Count);
            log?.Invoke($"teacher logits: read {path}");
            return cached;
        }
        var start = System.Diagnostics.Stopwatch.StartNew();
        using var g = new Graph(backend);
        var logits = TaskRunner.Run(g, teacher, data, batchSize, withTargets: false).Logits;
        Directory.CreateDirectory(cacheDirectory);
        Write(path, key, logits);
        log?.Invoke($"teacher logits: computed for {data.Count} features in {start.Elapsed.TotalSeconds:F1} s, cached in {path}");
        return logits;
    }

    /// <summary>The hex SHA-256 key of a teacher and the inputs of every feature of <paramref name="data"/>.</summary>
    public static string Key(TaskNetwork teacher, string teacherDirectory, TaskData data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(Format));
        foreach (var file in new[] { ModelDirectory.WeightsPath(teacherDirectory), Path.Combine(teacherDirectory, "config.json"), Path.Combine(teacherDirectory, TaskSpec.FileName) })
        {
            if (!File.Exists(file)) continue;
            using var stream = File.OpenRead(file);
            sha.AppendData(SHA256.HashData(stream));
        }
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{teacher.Spec.Task}|{teacher.Spec.NumLabels}|{data.Count}"));
        for (int i = 0; i < data.Count; i++)
        {
            var inputs = data.Batch([i], withTargets: false).Inputs;
            sha.AppendData(BitConverter.GetBytes(inputs.SequenceLength));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(inputs.InputIds.AsSpan()));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(inputs.TokenTypeIds.AsSpan()));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>logits: every feature's values back to back; offsets [features + 1]: where each starts.</summary>
    private static void Write(string path, string key, IReadOnlyList<float[]> logits)
    {
        var offsets = new int[logits.Count + 1];
        for (int i = 0; i < logits.Count; i++) offsets[i + 1] = checked(offsets[i] + logits[i].Length);
        var flat = new float[offsets[^1]];
        for (int i = 0; i < logits.Count; i++) logits[i].CopyTo(flat, offsets[i]);
        using var values = Tensor.FromArray(flat, flat.Length);
        using var starts = Tensor.FromArray(offsets, offsets.Length);
        SafeTensorsWriter.Write(path, [new("logits", values), new("offsets", starts)],
            new Dictionary<string, string> { ["format"] = Format, ["key"] = key });
    }

    private static float[][] Read(string path, string key, int count)
    {
        using var file = SafeTensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("key", out var stored) || stored != key)
            throw new InvalidFileException(path, null, "is a teacher cache for other inputs (its key differs); delete it");
        if (!file.Contains("logits") || !file.Contains("offsets"))
            throw new InvalidFileException(path, null, "lacks the 'logits' or 'offsets' tensor");
        using var values = file.Read("logits");
        using var starts = file.Read("offsets");
        var flat = values.Span;
        var offsets = starts.IntSpan;
        if (offsets.Length != count + 1 || offsets[^1] != flat.Length)
            throw new InvalidFileException(path, null, $"holds {offsets.Length - 1} features ({flat.Length} values) where {count} were expected");
        var logits = new float[count][];
        for (int i = 0; i < count; i++) logits[i] = flat[offsets[i]..offsets[i + 1]].ToArray();
        return logits;
    }
}
