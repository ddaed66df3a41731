using BertCore.Autograd;

namespace BertCore.Training.FineTuning.Techniques;

/// <summary>
/// Gradual unfreezing from the top (ULMFiT, Howard &amp; Ruder 2018). Stage 0 is the task head with the pooler,
/// stage k (1..L) encoder layer L+1−k, stage L+1 the embeddings. Before step t (t steps taken) stages
/// 0..min(t / N, L+1) train and the others are frozen (<see cref="Parameter.Trainable"/> false: no gradient, no
/// AdamW update, no weight decay, left out of clipping), so the head trains alone for the first N steps and the
/// embeddings join last. Only parameters that were trainable when it was made are managed (a part frozen by
/// other means stays frozen).
/// </summary>
public sealed class GradualUnfreezing
{
    private readonly Parameter[][] _stages;

    /// <param name="parameters">The network's parameters, Hugging Face names.</param>
    /// <param name="layers">Encoder layers L.</param>
    /// <param name="every">Steps N between unfreezing two stages (at least 1).</param>
    public GradualUnfreezing(IEnumerable<Parameter> parameters, int layers, int every)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        Every = every;
        var managed = parameters.Where(p => p.Trainable).ToArray();
        _stages = Enumerable.Range(0, layers + 2)
            .Select(stage => managed.Where(p => LayerwiseLrDecay.Depth(p.Name, layers) == layers + 1 - stage).ToArray())
            .ToArray();
    }

    /// <summary>Steps N between two stages.</summary>
    public int Every { get; }

    /// <summary>The stages, top first: [0] head and pooler, [1..L] encoder layers from the top, [L+1] embeddings.</summary>
    public IReadOnlyList<IReadOnlyList<Parameter>> Stages => _stages;

    /// <summary>Stages that train before step <paramref name="stepsTaken"/> + 1: min(1 + t / N, L + 2).</summary>
    public int UnfrozenStages(int stepsTaken) => (int)Math.Min(1 + (long)stepsTaken / Every, _stages.Length);

    /// <summary>Sets <see cref="Parameter.Trainable"/> of every managed parameter for the step after
    /// <paramref name="stepsTaken"/> steps.</summary>
    public void Apply(int stepsTaken)
    {
        int unfrozen = UnfrozenStages(stepsTaken);
        for (int stage = 0; stage < _stages.Length; stage++)
            foreach (var p in _stages[stage])
                p.Trainable = stage < unfrozen;
    }
}
