using System.Text;

namespace BertCore.Tests.Fuzzing;

/// <summary>A campaign's report as text: the summary line, then each kept failure with its case index.</summary>
internal static class FuzzReportText
{
    public static string Describe(FuzzReport report)
    {
        var text = new StringBuilder(report.Summary).AppendLine();
        foreach (FuzzFailure failure in report.Failures)
            text.AppendLine($"  case {failure.Case} ({failure.Input.Length} bytes): {Shorten(failure.Problem)}");
        return text.ToString();
    }

    /// <summary>The first lines of a problem (an exception's message and the top of its stack).</summary>
    private static string Shorten(string problem) =>
        string.Join("\n      ", problem.Split('\n').Take(6).Select(l => l.TrimEnd()));
}
