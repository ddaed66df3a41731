namespace BertCore.Metrics;

/// <summary>An entity (chunk) found in a tag sequence: its type and its first and last position (inclusive).</summary>
public readonly record struct Entity(string Type, int Start, int End);

/// <summary>Precision, recall and F1 of one entity type, and how many reference entities it has.</summary>
public sealed record TypeScores(double Precision, double Recall, double F1, int Support);

/// <summary>Entity-level scores, micro-averaged over all types, with the per-type breakdown.</summary>
/// <param name="Precision">Correct / predicted entities (0 when none was predicted).</param>
/// <param name="Recall">Correct / reference entities (0 when there is none).</param>
/// <param name="F1">2PR / (P + R) (0 when P + R is 0).</param>
/// <param name="Correct">Predicted entities that are also reference entities (same type, start and end).</param>
/// <param name="Predicted">Predicted entities.</param>
/// <param name="Reference">Reference entities.</param>
/// <param name="PerType">Scores per reference entity type, sorted by type.</param>
public sealed record EntityScores(double Precision, double Recall, double F1, int Correct, int Predicted, int Reference,
    IReadOnlyDictionary<string, TypeScores> PerType);

/// <summary>
/// Entity-level sequence-labelling metrics exactly as seqeval computes them in its default (non-strict, conlleval)
/// mode: <c>seqeval.metrics.sequence_labeling.get_entities</c> and the micro-averaged
/// <c>precision_score</c>/<c>recall_score</c>/<c>f1_score</c>.
/// </summary>
/// <remarks>
/// Each tag is split into a prefix (its first character) and a type (what follows the first '-', or "_" when
/// nothing does). A chunk ends before a tag when the previous tag is E or S; when B or I is followed by B, S or O;
/// or when the previous tag is not O and the type changes. A chunk starts at B or S; at E or I after E, S or O;
/// or at any tag other than O whose type differs from the previous one. So an I-X without a preceding B-X starts
/// an entity (I-X I-X is one entity), and B-X I-Y is two. Sentences are joined with an O between them, so
/// entities never span sentences; positions count through the joined sequence.
/// </remarks>
public static class SeqEval
{
    /// <summary>The entities of one tag sequence, in order.</summary>
    /// <exception cref="ArgumentException">An empty tag.</exception>
    public static IReadOnlyList<Entity> GetEntities(IReadOnlyList<string> tags)
    {
        var chunks = new List<Entity>();
        char prevTag = 'O';
        string prevType = "";
        int begin = 0;
        for (int i = 0; i <= tags.Count; i++)
        {
            string chunk = i < tags.Count ? tags[i] : "O";
            if (chunk.Length == 0)
                throw new ArgumentException($"Tag {i} is empty.", nameof(tags));
            char tag = chunk[0];
            int dash = chunk.IndexOf('-', 1);
            string type = dash < 0 ? chunk[1..] : chunk[(dash + 1)..];
            if (type.Length == 0)
                type = "_";
            if (EndOfChunk(prevTag, tag, prevType, type))
                chunks.Add(new Entity(prevType, begin, i - 1));
            if (StartOfChunk(prevTag, tag, prevType, type))
                begin = i;
            prevTag = tag;
            prevType = type;
        }
        return chunks;
    }

    /// <summary>The entities of several sentences joined with an "O" between them (seqeval's nested-list input).</summary>
    public static IReadOnlyList<Entity> GetEntities(IReadOnlyList<IReadOnlyList<string>> sentences) =>
        GetEntities(sentences.SelectMany(s => s.Append("O")).ToArray());

    /// <summary>Micro-averaged entity precision, recall and F1 of <paramref name="predictions"/> against <paramref name="references"/>.</summary>
    /// <exception cref="ArgumentException">Different numbers of sentences, or a sentence whose two tag lists differ in length.</exception>
    public static EntityScores Score(IReadOnlyList<IReadOnlyList<string>> references, IReadOnlyList<IReadOnlyList<string>> predictions)
    {
        if (references.Count != predictions.Count)
            throw new ArgumentException($"{predictions.Count} predicted sentences for {references.Count} reference sentences.", nameof(predictions));
        for (int s = 0; s < references.Count; s++)
            if (references[s].Count != predictions[s].Count)
                throw new ArgumentException($"Sentence {s} has {references[s].Count} reference tags but {predictions[s].Count} predicted.", nameof(predictions));
        var truth = GetEntities(references).ToHashSet();
        var predicted = GetEntities(predictions).ToHashSet();
        int correct = truth.Count(predicted.Contains);

        var perType = new SortedDictionary<string, TypeScores>(StringComparer.Ordinal);
        foreach (string type in truth.Select(e => e.Type).Distinct())
        {
            int t = truth.Count(e => e.Type == type), p = predicted.Count(e => e.Type == type);
            int c = truth.Count(e => e.Type == type && predicted.Contains(e));
            (double pr, double rc, double f1) = Prf(c, p, t);
            perType[type] = new TypeScores(pr, rc, f1, t);
        }
        (double precision, double recall, double f) = Prf(correct, predicted.Count, truth.Count);
        return new EntityScores(precision, recall, f, correct, predicted.Count, truth.Count, perType);
    }

    private static (double Precision, double Recall, double F1) Prf(int correct, int predicted, int reference)
    {
        double p = predicted > 0 ? (double)correct / predicted : 0;
        double r = reference > 0 ? (double)correct / reference : 0;
        return (p, r, p + r > 0 ? 2 * p * r / (p + r) : 0);
    }

    private static bool EndOfChunk(char prevTag, char tag, string prevType, string type) =>
        prevTag is 'E' or 'S'
        || (prevTag is 'B' or 'I' && tag is 'B' or 'S' or 'O')
        || (prevTag != 'O' && prevTag != '.' && prevType != type);

    private static bool StartOfChunk(char prevTag, char tag, string prevType, string type) =>
        tag is 'B' or 'S'
        || (prevTag is 'E' or 'S' or 'O' && tag is 'E' or 'I')
        || (tag != 'O' && tag != '.' && prevType != type);
}
