using System.Diagnostics;

namespace BertCore.Tests.Fuzzing;

/// <summary>
/// Feeds mutated seeds to a <see cref="FuzzTarget"/>, one case at a time, each on its own thread. A case passes
/// when the parser returns or throws one of its documented exceptions whose message names the file; it fails on
/// any other exception, on running past <see cref="TimeLimit"/>, or on allocating more than
/// <see cref="MemoryBound"/> on the managed heap.
/// </summary>
internal static class FuzzRunner
{
    /// <summary>A case that runs longer is a hang.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(10);

    /// <summary>Failing inputs kept per campaign (the count of failures is exact).</summary>
    private const int KeptFailures = 20;

    /// <summary>
    /// The most <paramref name="target"/> may allocate on the managed heap for an input of
    /// <paramref name="inputBytes"/> bytes: 64 MiB plus <see cref="FuzzTarget.BytesPerInputByte"/> (64 unless the
    /// target says otherwise) per input byte. Reading a file costs a small multiple of its size (bytes, then UTF-16
    /// strings, then parsed objects); a parser that trusts a count or length written in the file (a header
    /// claiming 1e12 elements), or does work quadratic in its input, allocates far beyond any such multiple.
    /// </summary>
    public static long MemoryBound(FuzzTarget target, long inputBytes) => (64L << 20) + target.BytesPerInputByte * inputBytes;

    /// <summary>The generator of case <paramref name="index"/> of the campaign seeded <paramref name="seed"/>.</summary>
    public static Random CaseRandom(int seed, int index) => new(unchecked(seed * 1_000_003 + index));

    /// <summary>Runs <paramref name="cases"/> cases; scratch files go under <paramref name="folder"/>. Stops early after a hang.</summary>
    public static FuzzReport Run(FuzzTarget target, int cases, int seed, string folder)
    {
        IReadOnlyList<byte[]> seeds = target.Seeds(Directory.CreateDirectory(Path.Combine(folder, "seeds")).FullName);
        if (seeds.Count == 0)
            throw new InvalidOperationException($"{target.Name}: no seed files");
        int accepted = 0, rejected = 0, run = 0;
        long maxAllocated = 0;
        var longest = TimeSpan.Zero;
        var failures = new List<FuzzFailure>();
        int failureCount = 0;
        for (int i = 0; i < cases; i++, run++)
        {
            byte[] input = Case(target, seeds, seed, i);
            FuzzOutcome outcome = RunCase(target, input, Path.Combine(folder, "case"));
            maxAllocated = Math.Max(maxAllocated, outcome.AllocatedBytes);
            if (outcome.Elapsed > longest) longest = outcome.Elapsed;
            switch (outcome.Verdict)
            {
                case FuzzVerdict.Accepted: accepted++; break;
                case FuzzVerdict.Rejected: rejected++; break;
                default:
                    failureCount++;
                    if (failures.Count < KeptFailures)
                        failures.Add(new FuzzFailure(i, outcome.Problem!, input));
                    break;
            }
            if (outcome.Signature == HangSignature)
            {
                run++;
                break; // the hung thread still runs; later cases would compete with it
            }
        }
        var kept = failures.Count == failureCount ? failures
            : [.. failures, new FuzzFailure(-1, $"... and {failureCount - failures.Count} more failures", [])];
        return new FuzzReport(target.Name, seed, run, accepted, rejected, kept, maxAllocated, longest);
    }

    /// <summary>The input of case <paramref name="index"/>: a pure function of the seeds, the campaign seed and the index.</summary>
    public static byte[] Case(FuzzTarget target, IReadOnlyList<byte[]> seeds, int seed, int index)
    {
        Random random = CaseRandom(seed, index);
        byte[] input = Mutator.Mutate(random, seeds[random.Next(seeds.Count)], seeds[random.Next(seeds.Count)]);
        return target.Repair is not null && random.Next(2) == 0 ? target.Repair(input) : input;
    }

    private const string HangSignature = "hang";

    /// <summary>Writes <paramref name="input"/> into a fresh <paramref name="folder"/> and parses it.</summary>
    public static FuzzOutcome RunCase(FuzzTarget target, byte[] input, string folder)
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, target.FileName);
        File.WriteAllBytes(path, input);

        Exception? thrown = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target.Parse(path);
            }
            catch (Exception e)
            {
                thrown = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true, Name = "fuzz " + target.Name };
        var clock = Stopwatch.StartNew();
        thread.Start();
        if (!thread.Join(TimeLimit))
            return new FuzzOutcome(FuzzVerdict.Failed, $"still running after {TimeLimit.TotalSeconds:F0} s", HangSignature, 0, clock.Elapsed);
        TimeSpan elapsed = clock.Elapsed;

        long bound = MemoryBound(target, input.Length);
        if (allocated > bound)
            return new FuzzOutcome(FuzzVerdict.Failed,
                $"allocated {allocated} bytes for a {input.Length}-byte input (bound {bound})", "memory", allocated, elapsed);
        if (thrown is null)
            return new FuzzOutcome(FuzzVerdict.Accepted, null, null, allocated, elapsed);
        string signature = Signature(thrown);
        if (!target.Documented.Contains(thrown.GetType()))
            return new FuzzOutcome(FuzzVerdict.Failed, $"undocumented {thrown}", signature, allocated, elapsed);
        if (!thrown.Message.Contains(path, StringComparison.Ordinal))
            return new FuzzOutcome(FuzzVerdict.Failed, $"the message does not name the file: {thrown.GetType().Name}: {thrown.Message}",
                signature, allocated, elapsed);
        return new FuzzOutcome(FuzzVerdict.Rejected, null, null, allocated, elapsed);
    }

    /// <summary>The exception's type and the frame that threw it: two inputs with the same signature are the same bug.</summary>
    private static string Signature(Exception e)
    {
        var frame = new StackTrace(e, fNeedFileInfo: false).GetFrames().FirstOrDefault(f => f.GetMethod() is not null);
        var method = frame?.GetMethod();
        return $"{e.GetType().FullName} at {method?.DeclaringType?.FullName}.{method?.Name}";
    }
}
