using BertCore.Text;
using BertCore.Training.FineTuning;

namespace BertCore.Inference.Importance;

/// <summary>Options of <see cref="TokenImportance.Score"/>.</summary>
public sealed record ImportanceOptions
{
    /// <summary>The criterion (default: Gu et al.'s buffer procedure).</summary>
    public ImportanceMethod Method { get; init; } = ImportanceMethod.Buffer;

    /// <summary>δ; null: the method's default (<see cref="ImportanceMethods.DefaultThreshold"/>).</summary>
    public double? Threshold { get; init; }

    /// <summary>Score at most this many sentences, the first ones of the corpus (0: all).</summary>
    public int MaxSentences { get; init; }

    /// <summary>Sentences judged together (the progress granularity); the model runs them in batches of its own size.</summary>
    public int ChunkSentences { get; init; } = 256;

    /// <summary>The threshold in force.</summary>
    public double EffectiveThreshold => Threshold ?? Method.DefaultThreshold();

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A threshold that is not finite, a negative maximum, or a chunk under 1.</exception>
    public void Validate()
    {
        if (!double.IsFinite(EffectiveThreshold)) throw new ArgumentException($"the threshold must be a finite number, not {EffectiveThreshold}");
        if (MaxSentences < 0) throw new ArgumentException($"the maximum number of sentences must be 0 (all) or positive, not {MaxSentences}");
        if (ChunkSentences < 1) throw new ArgumentException($"sentences are judged at least 1 at a time, not {ChunkSentences}");
    }
}

/// <summary>
/// Selective masking's token importance (Gu et al. 2020, "Train No Evil: Selective Masking for Task-Guided
/// Pre-Training"): a fine-tuned classifier judges which tokens of each sentence of a corpus its prediction
/// depends on (<see cref="ImportanceJudge"/>), and the judgments are tallied per vocabulary token
/// (<see cref="ImportanceTally"/>) into the weights <c>pretrain --importance</c> masks by.
/// </summary>
/// <example>
/// <code>
/// using var model = TaskModel.Load("runs/sst2");
/// var tally = TokenImportance.Score(model, File.ReadLines("sst2-sentences.txt"), new ImportanceOptions { MaxSentences = 5000 });
/// tally.Write("importance.tsv", model.Tokenizer.Vocabulary, smoothing: 10);
/// </code>
/// </example>
public static class TokenImportance
{
    /// <summary>Judges the tokens of every sentence (tokenized by the model's tokenizer, cut to the model's maximum
    /// length) and tallies them; blank sentences and sentences without tokens are skipped.</summary>
    /// <param name="model">A classify model (single texts).</param>
    /// <param name="sentences">The corpus, one sentence per item.</param>
    /// <param name="progress">Receives (sentences done, sentences in all) after each chunk.</param>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="InvalidOperationException">A model of another task than classify.</exception>
    public static ImportanceTally Score(TaskModel model, IEnumerable<string> sentences, ImportanceOptions options, IProgress<(int Done, int Total)>? progress = null)
    {
        options.Validate();
        if (model.Task != TaskKind.Classify)
            throw new InvalidOperationException($"{model.Directory} is a {model.Task.Name()} model; selective masking needs a classify model (single texts)");
        var texts = sentences.Where(s => !string.IsNullOrWhiteSpace(s));
        var chosen = (options.MaxSentences > 0 ? texts.Take(options.MaxSentences) : texts).ToArray();
        var tally = new ImportanceTally(model.Tokenizer.Vocabulary.Count);
        int limit = model.Spec.MaxSequenceLength - 2;
        for (int from = 0; from < chosen.Length; from += options.ChunkSentences)
        {
            int[][] tokens = chosen.Skip(from).Take(options.ChunkSentences)
                .Select(text => model.Tokenizer.Encode(text, maxLength: limit, truncation: Truncation.LongestFirst, addSpecialTokens: false).Ids.ToArray())
                .Where(ids => ids.Length > 0)
                .ToArray();
            var important = ImportanceJudge.Judge(tokens, model.ClassProbabilities, options.Method, options.EffectiveThreshold);
            for (int k = 0; k < tokens.Length; k++) tally.Add(tokens[k], important[k]);
            progress?.Report((Math.Min(from + options.ChunkSentences, chosen.Length), chosen.Length));
        }
        return tally;
    }
}
