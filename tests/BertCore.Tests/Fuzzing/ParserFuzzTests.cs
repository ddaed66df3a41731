using BertCore.Tests.IO;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Fuzzing;

/// <summary>
/// A fixed, seeded, bounded fuzz campaign over every parser of user files (see <see cref="FuzzTargets"/>): each
/// case must be accepted or rejected with a documented exception naming the file, within 10 s and within the
/// memory bound of <see cref="FuzzRunner.MemoryBound"/>. Each target runs its <see cref="FuzzTarget.CiCases"/>;
/// tools/fuzz/run.sh runs longer campaigns.
/// </summary>
public sealed class ParserFuzzTests(ITestOutputHelper output)
{
    /// <summary>The campaign seed of CI runs.</summary>
    public const int CiSeed = 20261207;

    public static TheoryData<string> Targets => new(FuzzTargets.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void MutatedSeedsAreAcceptedOrRejectedCleanly(string target)
    {
        using var folder = new TempFolder();
        FuzzTarget fuzzed = FuzzTargets.Named(target);
        FuzzReport report = FuzzRunner.Run(fuzzed, fuzzed.CiCases, CiSeed, folder.Root);
        output.WriteLine(report.Summary);
        Assert.True(report.Failures.Count == 0, FuzzReportText.Describe(report));
        Assert.Equal(fuzzed.CiCases, report.Cases);
    }
}
