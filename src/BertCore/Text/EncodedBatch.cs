namespace BertCore.Text;

/// <summary>
/// A batch of encodings padded into rectangular model inputs: flat row-major arrays of shape
/// [<see cref="Batch"/>, <see cref="SequenceLength"/>]. Padding goes on the right.
/// </summary>
public sealed class EncodedBatch
{
    internal EncodedBatch(IReadOnlyList<Encoding> encodings, Padding padding, int maxLength, int padId)
    {
        int longest = encodings.Count == 0 ? 0 : encodings.Max(e => e.Length);
        SequenceLength = padding switch
        {
            Padding.None when encodings.Any(e => e.Length != longest) =>
                throw new ArgumentException("Rows differ in length; pad them (Padding.Longest or Padding.MaxLength).", nameof(padding)),
            Padding.MaxLength when longest > maxLength =>
                throw new ArgumentException($"A row has {longest} tokens, more than maxLength {maxLength}; truncate it.", nameof(padding)),
            Padding.MaxLength => maxLength,
            _ => longest,
        };
        Batch = encodings.Count;
        Encodings = encodings;
        InputIds = new int[Batch * SequenceLength];
        TokenTypeIds = new int[Batch * SequenceLength];
        AttentionMask = new int[Batch * SequenceLength];
        Array.Fill(InputIds, padId);
        for (int row = 0; row < Batch; row++)
        {
            Encoding e = encodings[row];
            int offset = row * SequenceLength;
            for (int t = 0; t < e.Length; t++)
            {
                InputIds[offset + t] = e.Ids[t];
                TokenTypeIds[offset + t] = e.TypeIds[t];
                AttentionMask[offset + t] = 1;
            }
        }
    }

    /// <summary>Number of rows.</summary>
    public int Batch { get; }

    /// <summary>Tokens per row, padding included.</summary>
    public int SequenceLength { get; }

    /// <summary>Token ids, [PAD] in padded positions.</summary>
    public int[] InputIds { get; }

    /// <summary>Segment ids, 0 in padded positions.</summary>
    public int[] TokenTypeIds { get; }

    /// <summary>1 for a real token, 0 for padding.</summary>
    public int[] AttentionMask { get; }

    /// <summary>The unpadded encoding of each row, with offsets and word ids.</summary>
    public IReadOnlyList<Encoding> Encodings { get; }
}
