namespace BertCore.Inference.Importance;

/// <summary>How <see cref="ImportanceJudge"/> decides that a token of a sentence is important to a task model's prediction.</summary>
public enum ImportanceMethod
{
    /// <summary>
    /// Gu et al. 2020 ("Train No Evil", EMNLP), as the authors' code does it (thunlp/SelectiveMasking,
    /// <c>data/sc_mask_gen.py</c>, class <c>SC</c>): with y the label the model predicts for the whole sentence s and
    /// P(y|s) its probability, the tokens are added one by one, left to right, to a buffer that starts empty; token
    /// wᵢ is important when P(y|s) − P(y|buffer + wᵢ) &lt; δ — the buffer with wᵢ is (nearly) as sure of y as the
    /// whole sentence — and is then left out of the buffer, so that the tokens after it must earn the confidence
    /// again; otherwise wᵢ stays in the buffer as context. The difference is signed, as in that code: a buffer surer
    /// than the sentence counts as close.
    /// </summary>
    Buffer,

    /// <summary>
    /// Leave one out: token wᵢ is important when removing it from the sentence raises the entropy of the
    /// prediction by more than δ nats: H(P(·|s without wᵢ)) − H(P(·|s)) &gt; δ. It needs no label and sees the
    /// tokens the model depends on in their full context, but two tokens that each say the same thing mask each
    /// other (removing either leaves the other), which the buffer procedure does not.
    /// </summary>
    Entropy,
}

/// <summary>Names and defaults of <see cref="ImportanceMethod"/>.</summary>
public static class ImportanceMethods
{
    /// <summary>The command-line names, in <see cref="ImportanceMethod"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["buffer", "entropy"];

    /// <summary>The method a command-line name stands for.</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>.</exception>
    public static ImportanceMethod Parse(string name) => name switch
    {
        "buffer" => ImportanceMethod.Buffer,
        "entropy" => ImportanceMethod.Entropy,
        _ => throw new ArgumentException($"unknown importance method '{name}': {string.Join(" or ", Names)}", nameof(name)),
    };

    /// <summary>
    /// δ when none is given: buffer 0.01 (the authors' <c>THRESHOLD=0.01</c>, <c>data/create_data_rule/config.sh</c>
    /// of thunlp/SelectiveMasking); entropy 0.05 nats.
    /// </summary>
    public static double DefaultThreshold(this ImportanceMethod method) => method == ImportanceMethod.Buffer ? 0.01 : 0.05;
}
