using System.Diagnostics;
using Xunit;

namespace BertCore.Tests.Support;

/// <summary>
/// Real pretrained models (ONNX exports with their vocab.txt) fetched by <c>../shared/tools/real-models/get.sh</c>
/// and cached under <c>/var/tmp/real-models/NAME</c>: "minilm-l6" (all-MiniLM-L6-v2, with a pooler) and "arctic-xs"
/// (snowflake-arctic-embed-xs, without). Tests that use them carry <see cref="RealModelFactAttribute"/> or
/// <see cref="RealModelTheoryAttribute"/>, which skip with the reason when ../shared is absent.
/// </summary>
public static class RealModels
{
    /// <summary>The cache all sessions share; get.sh writes each model into its own subfolder.</summary>
    public const string CacheRoot = "/var/tmp/real-models";

    /// <summary>The fetch script, or null when ../shared (and so the script) is absent.</summary>
    public static string? Script { get; } = LocateScript();

    /// <summary>Why tests that need a real model are skipped.</summary>
    public static string SkipReason { get; } = SharedData.Root is null
        ? SharedData.SkipReason
        : $"../shared/tools/real-models/get.sh not found next to {SharedData.Root}";

    private static readonly object Fetching = new();

    /// <summary>
    /// The folder holding NAME's model.onnx, vocab.txt and SOURCE.md, fetched by get.sh when it is missing or
    /// incomplete (get.sh writes SOURCE.md last). The fetch goes into a temporary folder renamed when complete, so
    /// an interrupted fetch leaves no half-written model under the name.
    /// </summary>
    /// <exception cref="InvalidOperationException">The script is absent (use the attributes) or failed.</exception>
    public static string Folder(string name)
    {
        string folder = Path.Combine(CacheRoot, name);
        lock (Fetching)
        {
            if (Complete(folder)) return folder;
            string script = Script ?? throw new InvalidOperationException(SkipReason);
            string temporary = $"{folder}.tmp-{Guid.NewGuid():N}";
            Run(script, name, temporary);
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);   // left by an interrupted fetch
                Directory.Move(temporary, folder);
            }
            catch (IOException) when (Complete(folder))
            {
                Directory.Delete(temporary, recursive: true);   // another process fetched it meanwhile
            }
            return folder;
        }
    }

    private static bool Complete(string folder) =>
        File.Exists(Path.Combine(folder, "SOURCE.md")) && File.Exists(Path.Combine(folder, "model.onnx"));

    private static void Run(string script, string name, string output)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, name, output }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {name} {output} ran over 10 minutes");
        }
        if (process.ExitCode != 0 || !Complete(output))
            throw new InvalidOperationException(
                $"{script} {name} {output} failed (exit {process.ExitCode}): {stdout.Result}{stderr.Result}");
    }

    private static string? LocateScript()
    {
        if (SharedData.Root is null) return null;
        string script = Path.Combine(Path.GetDirectoryName(SharedData.Root)!, "tools", "real-models", "get.sh");
        return File.Exists(script) ? script : null;
    }
}

/// <summary>A fact that is skipped, with the reason, when the real-model script of ../shared is absent.</summary>
public sealed class RealModelFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <see cref="RealModels.Script"/> is missing.</summary>
    public RealModelFactAttribute()
    {
        if (RealModels.Script is null)
            Skip = RealModels.SkipReason;
    }
}

/// <summary>A theory that is skipped, with the reason, when the real-model script of ../shared is absent.</summary>
public sealed class RealModelTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when <see cref="RealModels.Script"/> is missing.</summary>
    public RealModelTheoryAttribute()
    {
        if (RealModels.Script is null)
            Skip = RealModels.SkipReason;
    }
}
