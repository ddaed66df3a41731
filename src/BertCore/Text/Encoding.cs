namespace BertCore.Text;

/// <summary>
/// One encoded input (a text or a text pair), Hugging Face's <c>Encoding</c>: parallel per-token lists.
/// Immutable.
/// </summary>
/// <remarks>
/// Offsets are UTF-16 indices into the original string of the segment the token came from, so
/// <c>text[start..end]</c> is the token's source text. Hugging Face counts in code points instead; the two agree
/// unless the text holds characters outside the Basic Multilingual Plane (emoji, rare CJK).
/// </remarks>
public sealed class Encoding
{
    private readonly int[] _attentionMask;

    internal Encoding(int[] ids, string[] tokens, int[] typeIds, (int Start, int End)[] offsets, int[] sequenceIds, int[] wordIds)
    {
        Ids = ids;
        Tokens = tokens;
        TypeIds = typeIds;
        Offsets = offsets;
        SequenceIds = sequenceIds;
        WordIds = wordIds;
        _attentionMask = new int[ids.Length];
        Array.Fill(_attentionMask, 1);
    }

    /// <summary>Number of tokens.</summary>
    public int Length => Ids.Count;

    /// <summary>Token ids, special tokens included when they were added.</summary>
    public IReadOnlyList<int> Ids { get; }

    /// <summary>Token strings (the vocabulary entries of <see cref="Ids"/>).</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Segment (token type) ids: 0 for [CLS], the first segment and its [SEP]; 1 for the second segment and its [SEP].</summary>
    public IReadOnlyList<int> TypeIds { get; }

    /// <summary>All ones: an encoding holds no padding (<see cref="EncodedBatch"/> adds it).</summary>
    public IReadOnlyList<int> AttentionMask => _attentionMask;

    /// <summary>Char range [Start, End) of each token in the original text of its segment; (0, 0) for added special tokens.</summary>
    public IReadOnlyList<(int Start, int End)> Offsets { get; }

    /// <summary>Segment of each token: 0 or 1, or -1 for added special tokens.</summary>
    public IReadOnlyList<int> SequenceIds { get; }

    /// <summary>
    /// Index, within its segment, of the word each token belongs to (-1 for added special tokens). Words are the
    /// pieces left by splitting on white space and punctuation (a CJK ideograph is one), or the caller's words
    /// for <see cref="BertTokenizer.EncodeWords"/>.
    /// </summary>
    public IReadOnlyList<int> WordIds { get; }
}
