using System.Globalization;

namespace BertCore.Cli.Commands;

/// <summary>A log line every <c>logEvery</c> task-adaptive pretraining steps (they run before the fine-tuning bar).</summary>
internal sealed class TaptProgress(int logEvery) : IProgress<(int Step, double Loss)>
{
    public void Report((int Step, double Loss) value)
    {
        if (value.Step == 1 || value.Step % logEvery == 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tapt step {value.Step}: MLM loss {value.Loss:F4}"));
    }
}
