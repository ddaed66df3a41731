using System.Diagnostics;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Distributed;

/// <summary>Runs the built `bertcore` CLI on several ranks with Open MPI's mpirun (on this machine, oversubscribed),
/// once tools/mpi/ensure-openmpi.sh has made MPI usable.</summary>
internal static class MpiRunner
{
    private static readonly Lazy<string?> s_skip = new(Ensure);

    /// <summary>Why the MPI tests skip (ensure-openmpi.sh's one-line reason), or null when MPI is usable.</summary>
    public static string? SkipReason => s_skip.Value;

    /// <summary>Starts `mpirun -np <paramref name="ranks"/> dotnet bertcore.dll ARGS` with stdout and stderr
    /// redirected; the caller reads them and waits for (or kills) it.</summary>
    public static Process Start(int ranks, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", $"{ranks}", "dotnet", CliRunner.CliPath, .. args])
            start.ArgumentList.Add(a);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    /// <summary>Runs the CLI on <paramref name="ranks"/> ranks to the end (at most 5 minutes).</summary>
    public static CliRunner.Result Run(int ranks, params string[] args) => Run(ranks, new Dictionary<string, string>(), args);

    /// <summary>Runs the CLI on <paramref name="ranks"/> ranks with these environment variables to the end (at most 5 minutes).</summary>
    public static CliRunner.Result Run(int ranks, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var p = Start(ranks, environment, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException("mpirun bertcore " + string.Join(' ', args)); }
        return new CliRunner.Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The process id of rank <paramref name="rank"/> among mpirun's children (its OMPI_COMM_WORLD_RANK).</summary>
    public static int RankPid(Process mpirun, int rank)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
                if (parent != mpirun.Id) continue;
                var environment = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                if (environment.Contains($"OMPI_COMM_WORLD_RANK={rank}")) return pid;
            }
            catch (IOException) { }   // the process ended while being read
            catch (UnauthorizedAccessException) { }
        }
        throw new InvalidOperationException($"no child of mpirun {mpirun.Id} is rank {rank}");
    }

    private static string? Ensure()
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(CliRunner.RepoRoot, "tools", "mpi", "ensure-openmpi.sh"));
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10))) { p.Kill(true); return "tools/mpi/ensure-openmpi.sh took more than 10 minutes"; }
        return p.ExitCode == 0 ? null : $"Open MPI is not usable: {(stdout.Result + stderr.Result).Trim()}";
    }
}

/// <summary>A fact that needs Open MPI: skipped with ensure-openmpi.sh's reason when it cannot be installed.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute() => Skip = MpiRunner.SkipReason;
}

/// <summary>A theory that needs Open MPI: skipped with ensure-openmpi.sh's reason when it cannot be installed.</summary>
public sealed class MpiTheoryAttribute : TheoryAttribute
{
    public MpiTheoryAttribute() => Skip = MpiRunner.SkipReason;
}
