using System.Diagnostics;
using System.Reflection;

namespace BertCore.Tests.Support;

/// <summary>Runs the built `bertcore` CLI (same configuration as the tests) as a child process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5))) { p.Kill(true); throw new TimeoutException("bertcore " + string.Join(' ', args)); }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the CLI with stdout and stderr redirected; the caller reads them and waits for (or kills) it.</summary>
    public static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Start(string[])"/>, with <paramref name="environment"/> variables set for the child.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.ArgumentList.Add(CliPath);
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    /// <summary>src/BertCore.Cli/bin/&lt;Configuration&gt;/&lt;tfm&gt;/bertcore.dll, found from the test assembly's folder.</summary>
    public static string CliPath
    {
        get
        {
            var testBin = new DirectoryInfo(Path.GetDirectoryName(Assembly.GetExecutingAssembly().Location)!);
            string tfm = testBin.Name, configuration = testBin.Parent!.Name;
            var path = Path.Combine(RepoRoot, "src", "BertCore.Cli", "bin", configuration, tfm, "bertcore.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("the CLI was not built", path);
        }
    }

    /// <summary>The folder holding BertCore.sln, walking up from the test assembly.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "BertCore.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("no BertCore.sln above " + AppContext.BaseDirectory);
        }
    }
}
