namespace BertCore.Tests.Fuzzing;

/// <summary>
/// Shrinks a failing input while it still fails the same way (same exception type thrown from the same method):
/// deletes ever smaller chunks, from halves down to single bytes, keeping each deletion that preserves the
/// failure. The result is what a regression test pins.
/// </summary>
internal static class FuzzMinimizer
{
    /// <summary>The smallest input found within <paramref name="maxRuns"/> parser runs.</summary>
    public static byte[] Minimize(FuzzTarget target, byte[] input, string folder, int maxRuns = 3000)
    {
        string? signature = FuzzRunner.RunCase(target, input, folder).Signature;
        if (signature is null or "hang")
            return input; // passes, or too slow to minimize case by case
        byte[] best = input;
        int runs = 0;
        for (int chunk = Math.Max(1, best.Length / 2); chunk >= 1 && runs < maxRuns; chunk /= 2)
        {
            for (int start = 0; start < best.Length && runs < maxRuns;)
            {
                int length = Math.Min(chunk, best.Length - start);
                byte[] candidate = [.. best.AsSpan(0, start), .. best.AsSpan(start + length)];
                runs++;
                if (FuzzRunner.RunCase(target, candidate, folder).Signature == signature)
                    best = candidate;
                else
                    start += length;
            }
        }
        return best;
    }
}
