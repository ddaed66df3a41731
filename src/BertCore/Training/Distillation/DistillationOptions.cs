namespace BertCore.Training.Distillation;

/// <summary>
/// How a student learns from a teacher. The training loss of a micro-batch is
/// <code>
/// loss = α · KD + (1 − α) · task loss + HiddenWeight · hidden + AttentionWeight · attention
/// </code>
/// KD is Hinton's T²-scaled KL(softmax(teacher / T) ‖ softmax(student / T)), averaged over the examples
/// (classify, pair) or over the tokens that carry a tag (ner); for regress it is the mean squared error to the
/// teacher's predictions (T does not apply). The task loss is the network's own (cross-entropy or MSE to the
/// labels), so α = 1 trains on the teacher alone and α = 0 is plain fine-tuning. hidden is the mean over the
/// mapped hidden states (embeddings included) of the MSE between the projected student state and the teacher's,
/// over the real tokens; attention is the mean over the mapped layers of the per-head attention KL
/// (<see cref="HostDistillationLosses.AttentionKl"/>).
/// </summary>
public sealed record DistillationOptions
{
    /// <summary>Softmax temperature T of the KD term (&gt; 0).</summary>
    public float Temperature { get; init; } = 2f;

    /// <summary>Weight α of the KD term; the task loss gets 1 − α. In [0, 1].</summary>
    public float Alpha { get; init; } = 0.5f;

    /// <summary>Weight of the hidden-state MSE (0: off; the teacher then runs only once, into the logit cache).</summary>
    public float HiddenWeight { get; init; }

    /// <summary>Weight of the attention KL (0: off). Needs the same number of heads in both models.</summary>
    public float AttentionWeight { get; init; }

    /// <summary>Student layer ↔ teacher layer for the intermediate losses and the initialization (null: uniform).</summary>
    public LayerMapping? LayerMap { get; init; }

    /// <summary>Whether the teacher must run alongside the student (the intermediate losses need its states).</summary>
    public bool NeedsOnlineTeacher => HiddenWeight > 0 || AttentionWeight > 0;

    /// <exception cref="ArgumentException">A value out of range.</exception>
    public void Validate()
    {
        if (!(Temperature > 0) || !float.IsFinite(Temperature)) throw new ArgumentException($"the temperature must be positive, not {Temperature}");
        if (Alpha is not (>= 0 and <= 1)) throw new ArgumentException($"alpha must be in [0, 1], not {Alpha}");
        if (!(HiddenWeight >= 0) || !(AttentionWeight >= 0) || !float.IsFinite(HiddenWeight) || !float.IsFinite(AttentionWeight))
            throw new ArgumentException("the hidden and attention loss weights must not be negative");
    }
}
