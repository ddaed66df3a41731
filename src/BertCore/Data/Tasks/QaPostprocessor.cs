namespace BertCore.Data.Tasks;

/// <summary>A candidate answer span.</summary>
/// <param name="Text">The span of the ORIGINAL context, context[Start..End].</param>
/// <param name="Start">UTF-16 index of the span in the context.</param>
/// <param name="End">UTF-16 index just past the span.</param>
/// <param name="StartLogit">The start logit of its first token.</param>
/// <param name="EndLogit">The end logit of its last token.</param>
/// <param name="Probability">Softmax of <see cref="Score"/> over the n-best list.</param>
public sealed record QaCandidate(string Text, int Start, int End, float StartLogit, float EndLogit, double Probability)
{
    /// <summary>Start logit + end logit, the ranking score.</summary>
    public float Score => StartLogit + EndLogit;
}

/// <summary>The answer predicted for one question.</summary>
/// <param name="Id">The question id.</param>
/// <param name="Best">The best span; an empty text at (0, 0) with probability 0 when no window held a valid span.</param>
/// <param name="NBest">The best spans, best first (at most <see cref="QaPostprocessOptions.NBestSize"/>).</param>
public sealed record QaPrediction(string Id, QaCandidate Best, IReadOnlyList<QaCandidate> NBest);

/// <summary>Limits of <see cref="QaPostprocessor.Predict"/> (Hugging Face <c>run_qa.py</c>'s defaults).</summary>
public sealed record QaPostprocessOptions
{
    /// <summary>Start and end tokens tried per window (the top n of each), and spans kept.</summary>
    public int NBestSize { get; init; } = 20;

    /// <summary>Longest answer in tokens.</summary>
    public int MaxAnswerLength { get; init; } = 30;
}

/// <summary>
/// Turns start/end logits of every window back into an answer per question, as Hugging Face's
/// <c>postprocess_qa_predictions</c> (SQuAD v1.1, no null answer): in each window the top-n start and top-n end
/// tokens are paired; a pair is kept when both tokens are context tokens, end ≥ start and the span has at most
/// <see cref="QaPostprocessOptions.MaxAnswerLength"/> tokens; pairs from all windows are ranked by start + end
/// logit and the best span's text is cut from the original context by the tokens' offsets.
/// </summary>
/// <remarks>
/// Differences from HF: the top-n are taken over the window's own tokens, not its padded row (HF's result depends
/// on how much padding the batch had); ties rank the lower token first (HF's quicksort order is unspecified); and
/// when no valid span exists the answer is empty rather than HF's placeholder text "empty".
/// </remarks>
public static class QaPostprocessor
{
    /// <summary>Predicts an answer for every example, in example order.</summary>
    /// <param name="examples">The questions the features were made from.</param>
    /// <param name="features">The windows (<see cref="QaFeatures.Convert"/>).</param>
    /// <param name="startLogits">Per feature, its start logits [S ≥ feature length] (padding past the feature is ignored).</param>
    /// <param name="endLogits">Per feature, its end logits [S ≥ feature length].</param>
    /// <param name="options">Limits; HF's defaults when null.</param>
    /// <exception cref="ArgumentException">Logit lists that do not match the features.</exception>
    public static QaPrediction[] Predict(IReadOnlyList<QaExample> examples, IReadOnlyList<QaFeature> features,
        IReadOnlyList<float[]> startLogits, IReadOnlyList<float[]> endLogits, QaPostprocessOptions? options = null)
    {
        options ??= new QaPostprocessOptions();
        if (startLogits.Count != features.Count || endLogits.Count != features.Count)
            throw new ArgumentException($"{startLogits.Count} start and {endLogits.Count} end logit rows for {features.Count} features.");
        var windows = new List<int>[examples.Count];
        for (int f = 0; f < features.Count; f++)
        {
            if (startLogits[f].Length < features[f].Length || endLogits[f].Length < features[f].Length)
                throw new ArgumentException($"Feature {f} has {features[f].Length} tokens but {startLogits[f].Length} start and {endLogits[f].Length} end logits.");
            (windows[features[f].Example] ??= []).Add(f);
        }

        var predictions = new QaPrediction[examples.Count];
        for (int e = 0; e < examples.Count; e++)
        {
            var spans = new List<(int Start, int End, float StartLogit, float EndLogit)>();
            foreach (int f in windows[e] ?? [])
                AddSpans(features[f], startLogits[f], endLogits[f], options, spans);
            predictions[e] = Rank(examples[e], spans, options.NBestSize);
        }
        return predictions;
    }

    /// <summary>The valid spans of one window, in the order HF lists them (start rank, then end rank).</summary>
    private static void AddSpans(QaFeature feature, float[] startLogits, float[] endLogits, QaPostprocessOptions options,
        List<(int, int, float, float)> spans)
    {
        int[] starts = TopIndices(startLogits.AsSpan(0, feature.Length), options.NBestSize);
        int[] ends = TopIndices(endLogits.AsSpan(0, feature.Length), options.NBestSize);
        var offsets = feature.Encoding.Offsets;
        foreach (int s in starts)
            foreach (int t in ends)
            {
                if (!feature.IsContext(s) || !feature.IsContext(t) || t < s || t - s + 1 > options.MaxAnswerLength)
                    continue;
                spans.Add((offsets[s].Start, offsets[t].End, startLogits[s], endLogits[t]));
            }
    }

    private static QaPrediction Rank(QaExample example, List<(int Start, int End, float StartLogit, float EndLogit)> spans, int nBest)
    {
        var best = spans
            .Select((span, order) => (span, order))
            .OrderByDescending(x => x.span.StartLogit + x.span.EndLogit)
            .ThenBy(x => x.order)
            .Take(nBest)
            .Select(x => x.span)
            .ToArray();
        if (best.Length == 0)
            return new QaPrediction(example.Id, new QaCandidate("", 0, 0, 0f, 0f, 0.0), []);
        double max = best[0].StartLogit + best[0].EndLogit;
        double[] exp = best.Select(b => Math.Exp((b.StartLogit + b.EndLogit) - max)).ToArray();
        double sum = exp.Sum();
        var candidates = best
            .Select((b, i) => new QaCandidate(example.Context[b.Start..b.End], b.Start, b.End, b.StartLogit, b.EndLogit, exp[i] / sum))
            .ToArray();
        return new QaPrediction(example.Id, candidates[0], candidates);
    }

    /// <summary>Indices of the <paramref name="n"/> largest values, largest first (lower index first on ties).</summary>
    public static int[] TopIndices(ReadOnlySpan<float> values, int n)
    {
        int[] order = new int[values.Length];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        float[] copy = values.ToArray();
        Array.Sort(order, (a, b) => copy[b].CompareTo(copy[a]) is var c && c != 0 ? c : a.CompareTo(b));
        return order.Length <= n ? order : order[..n];
    }
}
