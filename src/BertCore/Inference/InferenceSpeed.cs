using System.Diagnostics;
using BertCore.Backends;
using BertCore.Training.FineTuning;

namespace BertCore.Inference;

/// <summary>Inference throughput of one model in <see cref="InferenceSpeed.Compare"/>.</summary>
/// <param name="Directory">The model folder.</param>
/// <param name="Tokens">Real tokens (padding excluded) of the data, special tokens included.</param>
/// <param name="Seconds">Wall time of each timed pass over the data.</param>
public sealed record ModelSpeed(string Directory, long Tokens, IReadOnlyList<double> Seconds)
{
    /// <summary>Tokens per second of the median pass.</summary>
    public double MedianTokensPerSecond
    {
        get
        {
            var sorted = Seconds.Order().ToArray();
            double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
            return Tokens / median;
        }
    }
}

/// <summary>
/// Compares the inference speed of fine-tuned models (a teacher and its students) on the same labelled file
/// through the same code path as <c>bertcore evaluate</c> (<see cref="TaskModel.Run"/>: batches longest first, no
/// gradients): one untimed warm-up pass each, then <c>rounds</c> rounds in which every model makes one timed pass,
/// alternating, so that a machine shared with other work slows them alike.
/// </summary>
public static class InferenceSpeed
{
    /// <exception cref="IO.InvalidFileException">A model folder or the data file is malformed.</exception>
    public static IReadOnlyList<ModelSpeed> Compare(IBackend backend, IReadOnlyList<string> modelDirectories, string dataFile, int rounds, int batchSize = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        var models = modelDirectories.Select(d => TaskModel.Load(d, backend, batchSize)).ToArray();
        try
        {
            var data = models.Select(m => TaskData.Create(TaskFile.Read(dataFile, m.Task), m.Spec, m.Tokenizer)).ToArray();
            var seconds = models.Select(_ => new List<double>()).ToArray();
            foreach (var (m, d) in models.Zip(data)) m.Run(d, withTargets: false);
            for (int round = 0; round < rounds; round++)
                for (int i = 0; i < models.Length; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    models[i].Run(data[i], withTargets: false);
                    seconds[i].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                }
            return models.Select((m, i) => new ModelSpeed(m.Directory, data[i].Lengths.Sum(l => (long)l), seconds[i])).ToArray();
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
    }
}
