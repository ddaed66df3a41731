namespace BertCore.Tests.Fuzzing;

/// <summary>What one case did.</summary>
internal enum FuzzVerdict
{
    /// <summary>The parser returned normally.</summary>
    Accepted,

    /// <summary>The parser threw one of its documented exceptions, naming the file.</summary>
    Rejected,

    /// <summary>Anything else: an undocumented exception, a message that does not name the file, a hang, too much memory.</summary>
    Failed,
}

/// <summary>
/// The result of one case. <paramref name="Signature"/> identifies a failure for minimization (exception type and
/// the frame that threw); <paramref name="AllocatedBytes"/> is what the parsing thread allocated on the managed heap.
/// </summary>
internal sealed record FuzzOutcome(FuzzVerdict Verdict, string? Problem, string? Signature, long AllocatedBytes, TimeSpan Elapsed);

/// <summary>A failing case: its index (with the campaign's seed it reproduces the input), what went wrong, and the input.</summary>
internal sealed record FuzzFailure(int Case, string Problem, byte[] Input);

/// <summary>What a campaign over one target did.</summary>
internal sealed record FuzzReport(
    string Target, int Seed, int Cases, int Accepted, int Rejected, IReadOnlyList<FuzzFailure> Failures,
    long MaxAllocatedBytes, TimeSpan LongestCase)
{
    /// <summary>One line: cases, verdicts, failures, the largest allocation and the slowest case.</summary>
    public string Summary =>
        $"{Target}: {Cases} cases (seed {Seed}): {Accepted} accepted, {Rejected} rejected, {Failures.Count} failed; " +
        $"max managed allocation {MaxAllocatedBytes / 1024.0 / 1024.0:F1} MiB, slowest case {LongestCase.TotalMilliseconds:F0} ms";
}
