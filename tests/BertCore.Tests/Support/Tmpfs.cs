using System.Diagnostics;
using Xunit;

namespace BertCore.Tests.Support;

/// <summary>
/// A small disk that fills: a tmpfs of a given size mounted on a fresh folder (Linux, as root with CAP_SYS_ADMIN, as
/// this project's sandbox and CI run). Unmounted and removed on Dispose.
/// </summary>
internal sealed class Tmpfs : IDisposable
{
    private static readonly Lazy<string?> s_unavailable = new(Probe);

    /// <param name="bytes">The file system's size (the kernel rounds it up to whole pages).</param>
    public Tmpfs(long bytes)
    {
        Root = Path.Combine(Path.GetTempPath(), "bertcore-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", Root);
        if (code != 0)
        {
            Directory.Delete(Root);
            throw new InvalidOperationException($"mount -t tmpfs on {Root} failed ({code}): {error}");
        }
    }

    /// <summary>Why no tmpfs can be mounted here, or null when one can (probed once by mounting a 64 KiB one).</summary>
    public static string? Unavailable => s_unavailable.Value;

    public string Root { get; }

    public string File(string name) => Path.Combine(Root, name);

    public void Dispose()
    {
        Run("umount", Root);
        Directory.Delete(Root);
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "a tmpfs needs Linux";
        try
        {
            using var probe = new Tmpfs(64 << 10);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"cannot mount a tmpfs here (it needs root with CAP_SYS_ADMIN): {e.Message}";
        }
    }

    private static (int Code, string Error) Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        string error = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, error.Trim());
    }
}

/// <summary>A fact that is skipped, with the reason, where no tmpfs can be mounted (<see cref="Tmpfs.Unavailable"/>).</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when a tmpfs cannot be mounted.</summary>
    public TmpfsFactAttribute()
    {
        if (Tmpfs.Unavailable is { } reason) Skip = reason;
    }
}
