using System.Globalization;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Fuzzing;

/// <summary>
/// The long campaign behind tools/fuzz/run.sh, skipped unless BERTCORE_FUZZ_CASES is set: that many cases per
/// parser (BERTCORE_FUZZ_PARSER: comma-separated names, default all) from campaign seed BERTCORE_FUZZ_SEED.
/// Writes report.txt and, per failure, the input, its minimized form and the problem under BERTCORE_FUZZ_OUT.
/// </summary>
public sealed class FuzzCampaign(ITestOutputHelper output)
{
    private const string CasesVariable = "BERTCORE_FUZZ_CASES";

    [FuzzCampaignFact]
    public void Run()
    {
        int cases = int.Parse(Environment.GetEnvironmentVariable(CasesVariable)!, CultureInfo.InvariantCulture);
        int seed = Environment.GetEnvironmentVariable("BERTCORE_FUZZ_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture) : 1;
        string names = Environment.GetEnvironmentVariable("BERTCORE_FUZZ_PARSER") is { Length: > 0 } p ? p : "all";
        string outDir = Environment.GetEnvironmentVariable("BERTCORE_FUZZ_OUT") is { Length: > 0 } o
            ? o : Path.Combine(Path.GetTempPath(), "bertcore-fuzz");
        IEnumerable<FuzzTarget> targets = names == "all" ? FuzzTargets.All : names.Split(',').Select(FuzzTargets.Named);

        Directory.CreateDirectory(outDir);
        string reportPath = Path.Combine(outDir, "report.txt");
        File.WriteAllText(reportPath, "");
        int failures = 0;
        foreach (FuzzTarget target in targets)
        {
            string scratch = Path.Combine(Path.GetTempPath(), "bertcore-fuzz-" + Guid.NewGuid().ToString("N"));
            try
            {
                FuzzReport report = FuzzRunner.Run(target, cases, seed, scratch);
                failures += report.Failures.Count;
                string text = FuzzReportText.Describe(report);
                output.WriteLine(text);
                File.AppendAllText(reportPath, text);
                SaveFailures(target, report, Path.Combine(outDir, "failures", target.Name), Path.Combine(scratch, "minimize"));
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
        Assert.True(failures == 0, $"{failures} failing cases; see {reportPath}");
    }

    /// <summary>Writes each failing input as case-N.bin, its minimized form as case-N.min.bin, and the problem as case-N.txt.</summary>
    private static void SaveFailures(FuzzTarget target, FuzzReport report, string folder, string scratch)
    {
        foreach (FuzzFailure failure in report.Failures.Where(f => f.Case >= 0))
        {
            Directory.CreateDirectory(folder);
            string stem = Path.Combine(folder, $"case-{failure.Case}");
            File.WriteAllBytes(stem + ".bin", failure.Input);
            File.WriteAllBytes(stem + ".min.bin", FuzzMinimizer.Minimize(target, failure.Input, scratch));
            File.WriteAllText(stem + ".txt", $"{target.Name} seed {report.Seed} case {failure.Case}\n{failure.Problem}\n", Encoding.UTF8);
        }
    }
}

/// <summary>A fact that runs only when BERTCORE_FUZZ_CASES is set (by tools/fuzz/run.sh).</summary>
public sealed class FuzzCampaignFactAttribute : FactAttribute
{
    /// <summary>Skips the fact unless the variable is set.</summary>
    public FuzzCampaignFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("BERTCORE_FUZZ_CASES")))
            Skip = "a long fuzz campaign: run tools/fuzz/run.sh (it sets BERTCORE_FUZZ_CASES)";
    }
}
