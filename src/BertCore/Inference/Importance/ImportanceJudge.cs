namespace BertCore.Inference.Importance;

/// <summary>A classifier as selective masking queries it: the class probabilities [inputs][labels] of inputs given as
/// token ids without [CLS] and [SEP] (<see cref="TaskModel.ClassProbabilities"/>, or a stand-in in tests).</summary>
public delegate double[][] ClassProbabilities(IReadOnlyList<IReadOnlyList<int>> inputs);

/// <summary>
/// Decides which tokens of each sentence a classifier's prediction depends on (<see cref="ImportanceMethod"/>).
/// Every query covers all the sentences at once — one call for the whole sentences, then one per token position
/// (buffer) or one for every token left out in turn (entropy) — so the classifier sees large batches of short inputs.
/// </summary>
public static class ImportanceJudge
{
    /// <summary>For each token of each sentence, whether it is important.</summary>
    /// <param name="sentences">The token ids of each sentence (without [CLS] and [SEP]).</param>
    /// <param name="classify">The task model.</param>
    /// <param name="method">The criterion.</param>
    /// <param name="threshold">δ of the criterion (<see cref="ImportanceMethods.DefaultThreshold"/>).</param>
    /// <returns>[sentences][tokens of the sentence] judgments.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A threshold that is not a finite number.</exception>
    public static bool[][] Judge(IReadOnlyList<int[]> sentences, ClassProbabilities classify, ImportanceMethod method, double threshold)
    {
        if (!double.IsFinite(threshold)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "must be a finite number");
        var whole = Query(classify, sentences);
        return method == ImportanceMethod.Buffer ? Buffer(sentences, classify, whole, threshold) : Entropy(sentences, classify, whole, threshold);
    }

    private static bool[][] Buffer(IReadOnlyList<int[]> sentences, ClassProbabilities classify, double[][] whole, double threshold)
    {
        int[] label = whole.Select(ArgMax).ToArray();
        var buffers = sentences.Select(_ => new List<int>()).ToArray();
        var important = sentences.Select(s => new bool[s.Length]).ToArray();
        for (int i = 0; ; i++)
        {
            int[] active = Enumerable.Range(0, sentences.Count).Where(k => sentences[k].Length > i).ToArray();
            if (active.Length == 0) return important;
            var candidates = active.Select(k => (IReadOnlyList<int>)[.. buffers[k], sentences[k][i]]).ToArray();
            var p = Query(classify, candidates);
            for (int j = 0; j < active.Length; j++)
            {
                int k = active[j];
                if (whole[k][label[k]] - p[j][label[k]] < threshold)
                    important[k][i] = true;
                else
                    buffers[k].Add(sentences[k][i]);
            }
        }
    }

    private static bool[][] Entropy(IReadOnlyList<int[]> sentences, ClassProbabilities classify, double[][] whole, double threshold)
    {
        var without = sentences.SelectMany(s => Enumerable.Range(0, s.Length).Select(i => (IReadOnlyList<int>)[.. s[..i], .. s[(i + 1)..]])).ToArray();
        var p = Query(classify, without);
        var important = new bool[sentences.Count][];
        int row = 0;
        for (int k = 0; k < sentences.Count; k++)
        {
            double before = EntropyOf(whole[k]);
            important[k] = new bool[sentences[k].Length];
            for (int i = 0; i < important[k].Length; i++)
                important[k][i] = EntropyOf(p[row++]) - before > threshold;
        }
        return important;
    }

    /// <summary>Calls the classifier and checks that it answered one probability row per input.</summary>
    private static double[][] Query(ClassProbabilities classify, IReadOnlyList<IReadOnlyList<int>> inputs)
    {
        var p = classify(inputs);
        if (p.Length != inputs.Count) throw new InvalidOperationException($"the classifier answered {p.Length} rows for {inputs.Count} inputs");
        return p;
    }

    /// <summary>The index of the largest probability (the first on ties).</summary>
    private static int ArgMax(double[] p)
    {
        int best = 0;
        for (int c = 1; c < p.Length; c++)
            if (p[c] > p[best]) best = c;
        return best;
    }

    /// <summary>−Σ p ln p in nats (0 ln 0 = 0).</summary>
    internal static double EntropyOf(double[] p) => -p.Where(x => x > 0).Sum(x => x * Math.Log(x));
}
