using BertCore.Data;
using BertCore.Text;

namespace BertCore.Training.FineTuning.Techniques;

/// <summary>
/// The text of a task's examples as an in-memory <see cref="ITokenCorpus"/>, for masked-LM training on it: one
/// document per example, whose sentences are the text and its pair (classify, pair, regress), the words joined by
/// spaces (ner), the context (qa: each distinct context once), or the sentences of a pair or triplet (similarity). Tokenized without special tokens; empty texts
/// are left out.
/// </summary>
public sealed class TaskTextCorpus : ITokenCorpus
{
    private readonly int[] _ids;
    private readonly long[] _sentenceStarts;
    private readonly int[] _documentStarts;

    /// <exception cref="ArgumentException">No example has any text.</exception>
    public TaskTextCorpus(TaskFile file, BertTokenizer tokenizer)
    {
        var ids = new List<int>();
        var sentenceStarts = new List<long> { 0 };
        var documentStarts = new List<int> { 0 };
        foreach (var document in Documents(file))
        {
            foreach (var text in document)
            {
                var tokens = tokenizer.Encode(text, truncation: Truncation.None, addSpecialTokens: false).Ids;
                if (tokens.Count == 0) continue;
                ids.AddRange(tokens);
                sentenceStarts.Add(ids.Count);
            }
            if (sentenceStarts.Count - 1 > documentStarts[^1]) documentStarts.Add(sentenceStarts.Count - 1);
        }
        if (ids.Count == 0) throw new ArgumentException($"{file.Source} has no text to train on", nameof(file));
        _ids = ids.ToArray();
        _sentenceStarts = sentenceStarts.ToArray();
        _documentStarts = documentStarts.ToArray();
    }

    /// <summary>The texts of each example (see the class summary).</summary>
    public static IEnumerable<IReadOnlyList<string>> Documents(TaskFile file)
    {
        if (file.Sequences is { } sequences)
            return sequences.Select(e => (IReadOnlyList<string>)(e.TextPair is null ? [e.Text] : [e.Text, e.TextPair]));
        if (file.Sentences is { } sentences)
            return sentences.Select(s => (IReadOnlyList<string>)[string.Join(' ', s.Words)]);
        if (file.Similarities is { } pairs)
            return pairs.Examples.Select(e => (IReadOnlyList<string>)(e.Negative is null ? [e.Anchor, e.Positive] : [e.Anchor, e.Positive, e.Negative]));
        return file.Questions!.Select(q => q.Context).Distinct().Select(c => (IReadOnlyList<string>)[c]);
    }

    public int DocumentCount => _documentStarts.Length - 1;
    public int SentenceCount => _sentenceStarts.Length - 1;
    public long TokenCount => _ids.Length;
    public (int First, int End) DocumentSentences(int document) => (_documentStarts[document], _documentStarts[document + 1]);
    public long SentenceStart(int sentence) => _sentenceStarts[sentence];
    public ReadOnlySpan<int> Tokens(long start, int length) => _ids.AsSpan(checked((int)start), length);
}
