using System.Diagnostics;
using System.Text;

namespace BertCore.Tests.Packaging;

/// <summary>Runs the <c>dotnet</c> command as a child process, as a user at a shell would: no build servers or
/// reused MSBuild nodes outlive it, and the MSBuild variables of the test host's own build are not passed on.</summary>
internal static class DotnetCommand
{
    /// <summary>Runs <c>dotnet <paramref name="args"/></c> in <paramref name="folder"/> with <paramref name="environment"/>
    /// added; returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">It exited with a non-zero code (the message holds both outputs).</exception>
    /// <exception cref="TimeoutException">It ran past <paramref name="timeout"/> (it is killed).</exception>
    public static string Run(string folder, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToArray())
            start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        foreach (var a in args) start.ArgumentList.Add(a);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        string command = "dotnet " + string.Join(' ', args);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} (in {folder}) ran past {timeout}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(new StringBuilder()
                .AppendLine($"{command} (in {folder}) exited with {process.ExitCode}")
                .AppendLine(stdout.Result).AppendLine(stderr.Result).ToString());
        return stdout.Result;
    }
}
