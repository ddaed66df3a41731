namespace BertCore.Data.Tasks;

/// <summary>IOB tag helpers: validation and the IOB1 → IOB2 rewrite.</summary>
public static class IobTags
{
    /// <summary>Whether <paramref name="tag"/> is "O", "B-type" or "I-type" with a non-empty type.</summary>
    public static bool IsValid(string tag) =>
        tag == "O" || (tag.Length > 2 && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-');

    /// <summary>
    /// Rewrites IOB1 tags (where <c>I-X</c> starts an entity and <c>B-X</c> only separates two adjacent entities
    /// of the same type, as in the original CoNLL-2003 files) as IOB2 (every entity starts with <c>B-X</c>), in
    /// place: an <c>I-X</c> that does not continue an entity of type X (it follows O, another type, or starts the
    /// sentence) becomes <c>B-X</c>. IOB2 input is left unchanged. Returns the number of tags rewritten.
    /// </summary>
    /// <param name="tags">One sentence's tags; every tag must satisfy <see cref="IsValid"/>.</param>
    public static int Iob1ToIob2(string[] tags)
    {
        int changed = 0;
        for (int i = 0; i < tags.Length; i++)
        {
            string tag = tags[i];
            if (tag[0] != 'I')
                continue;
            string? previous = i == 0 ? null : tags[i - 1];
            bool continues = previous is not null && previous != "O" && previous.AsSpan(2).SequenceEqual(tag.AsSpan(2));
            if (!continues)
            {
                tags[i] = "B" + tag[1..];
                changed++;
            }
        }
        return changed;
    }
}
