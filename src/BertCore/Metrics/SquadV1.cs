using System.Text;

namespace BertCore.Metrics;

/// <summary>SQuAD scores in percent, as the official script prints them.</summary>
/// <param name="ExactMatch">100 × (questions whose normalized prediction equals a normalized reference) / questions.</param>
/// <param name="F1">100 × (sum over questions of the best token-level F1 against any reference) / questions.</param>
/// <param name="Total">Questions scored (those without a prediction count as 0).</param>
/// <param name="Unanswered">Questions that had no prediction.</param>
public sealed record SquadScores(double ExactMatch, double F1, int Total, int Unanswered);

/// <summary>
/// The official SQuAD v1.1 evaluation (<c>evaluate-v1.1.py</c>), reproduced operation for operation so the
/// numbers are the same to the last bit: answers are normalized (lower-cased, ASCII punctuation removed, the
/// words a/an/the removed, white space collapsed), exact match compares normalized strings, F1 compares their
/// white-space tokens as bags, each question takes its best reference, and totals are ×100 averages.
/// </summary>
public static class SquadV1
{
    private const string Punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"; // Python's string.punctuation

    /// <summary>
    /// <c>normalize_answer</c>: <c>white_space_fix(remove_articles(remove_punc(lower(s))))</c>, where articles are
    /// whole <c>\w</c>-runs equal to a, an or the (<c>re.sub(r'\b(a|an|the)\b', ' ', text)</c>).
    /// </summary>
    public static string NormalizeAnswer(string s)
    {
        string lower = PythonText.Lower(s);
        var noPunctuation = new StringBuilder(lower.Length);
        foreach (char c in lower)
            if (Punctuation.IndexOf(c) < 0)
                noPunctuation.Append(c);
        return string.Join(' ', PythonText.Split(RemoveArticles(noPunctuation.ToString())));
    }

    /// <summary><c>exact_match_score</c>: the normalized strings are equal.</summary>
    public static bool ExactMatch(string prediction, string groundTruth) =>
        NormalizeAnswer(prediction) == NormalizeAnswer(groundTruth);

    /// <summary>
    /// <c>f1_score</c>: with p and g the normalized white-space tokens and same = Σ over tokens of the smaller
    /// count in p and g, F1 = 2·P·R / (P + R) for P = same/|p|, R = same/|g|; 0 when same is 0 (so also when both
    /// are empty, although their exact match is 1).
    /// </summary>
    public static double F1(string prediction, string groundTruth)
    {
        List<string> predictionTokens = PythonText.Split(NormalizeAnswer(prediction));
        List<string> truthTokens = PythonText.Split(NormalizeAnswer(groundTruth));
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string t in truthTokens)
            counts[t] = counts.GetValueOrDefault(t) + 1;
        int same = 0;
        foreach (string t in predictionTokens)
        {
            if (counts.GetValueOrDefault(t) > 0)
            {
                counts[t]--;
                same++;
            }
        }
        if (same == 0)
            return 0;
        double precision = 1.0 * same / predictionTokens.Count;
        double recall = 1.0 * same / truthTokens.Count;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>
    /// <c>evaluate</c>: scores every question in the given order (the file's), the best over its references;
    /// a question without a prediction scores 0 and still counts.
    /// </summary>
    /// <param name="references">(question id, reference answer texts), in dataset order.</param>
    /// <param name="predictions">Predicted answer text by question id.</param>
    /// <exception cref="ArgumentException">No questions, or a question without references (the official script fails on it too).</exception>
    public static SquadScores Evaluate(IReadOnlyList<(string Id, IReadOnlyList<string> Answers)> references,
        IReadOnlyDictionary<string, string> predictions)
    {
        if (references.Count == 0)
            throw new ArgumentException("No questions to score.", nameof(references));
        long exactMatch = 0;
        double f1 = 0;
        int unanswered = 0;
        foreach ((string id, IReadOnlyList<string> answers) in references)
        {
            if (answers.Count == 0)
                throw new ArgumentException($"Question '{id}' has no reference answer.", nameof(references));
            if (!predictions.TryGetValue(id, out string? prediction))
            {
                unanswered++;
                continue;
            }
            exactMatch += answers.Any(a => ExactMatch(prediction, a)) ? 1 : 0;
            f1 += answers.Max(a => F1(prediction, a));
        }
        return new SquadScores(100.0 * exactMatch / references.Count, 100.0 * f1 / references.Count, references.Count, unanswered);
    }

    /// <summary>Replaces every whole <c>\w</c>-run that is "a", "an" or "the" by one space.</summary>
    private static string RemoveArticles(string text)
    {
        int[] codePoints = PythonText.CodePoints(text);
        var result = new StringBuilder(text.Length);
        var word = new StringBuilder();
        for (int i = 0; i <= codePoints.Length; i++)
        {
            if (i < codePoints.Length && PythonText.IsWordChar(codePoints[i]))
            {
                word.Append(char.ConvertFromUtf32(codePoints[i]));
                continue;
            }
            if (word.Length > 0)
            {
                string w = word.ToString();
                result.Append(w is "a" or "an" or "the" ? " " : w);
                word.Clear();
            }
            if (i < codePoints.Length)
                result.Append(Rune.IsValid(codePoints[i]) ? char.ConvertFromUtf32(codePoints[i]) : ((char)codePoints[i]).ToString());
        }
        return result.ToString();
    }
}
