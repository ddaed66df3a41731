using BertCore.Data;

namespace BertCore.Training.FineTuning.MultiTask;

/// <summary>
/// Which task a multi-task step trains on: task k with probability size_k / Σ sizes, drawn independently for
/// every step from a counter-based stream keyed by (seed, step), so the draw of a step never depends on the
/// others.
/// </summary>
public sealed class TaskSampler
{
    private readonly double[] _cumulative;
    private readonly ulong _seed;

    /// <param name="sizes">[tasks] training size of each task (positive).</param>
    public TaskSampler(IReadOnlyList<int> sizes, int seed)
    {
        if (sizes.Count == 0 || sizes.Any(s => s <= 0)) throw new ArgumentException("every task needs a positive size", nameof(sizes));
        double total = sizes.Sum(s => (double)s), sum = 0;
        _cumulative = sizes.Select(s => (sum += s) / total).ToArray();
        _seed = (ulong)seed;
    }

    /// <summary>Probability of each task.</summary>
    public IReadOnlyList<double> Probabilities => _cumulative.Select((c, k) => c - (k == 0 ? 0 : _cumulative[k - 1])).ToArray();

    /// <summary>The task of the step after <paramref name="stepsTaken"/> steps.</summary>
    public int Task(int stepsTaken)
    {
        double u = new RandomStream(_seed, RandomPurpose.TaskSampling, (ulong)stepsTaken).NextDouble();
        int k = 0;
        while (k < _cumulative.Length - 1 && u >= _cumulative[k]) k++;
        return k;
    }
}
