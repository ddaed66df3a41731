namespace BertCore.Nn.Bert;

/// <summary>
/// One batch of encoder inputs packed without padding, on the host: N sequences back to back in T tokens. Sequence n
/// holds tokens <see cref="Offsets"/>[n] .. Offsets[n+1]-1 of <see cref="InputIds"/> and <see cref="TokenTypeIds"/>
/// [T]; its positions count from 0 (<see cref="PositionIds()"/>). The padding-free counterpart of <see cref="BertBatch"/>
/// for inference (<see cref="BertEncoder.ForwardPacked"/>).
/// </summary>
public sealed class PackedBatch
{
    /// <param name="inputIds">[T] token ids of every sequence, back to back.</param>
    /// <param name="offsets">[N+1] where each sequence starts, then T: 0 first, non-decreasing.</param>
    /// <param name="tokenTypeIds">[T] segment ids (0 when absent).</param>
    /// <exception cref="ArgumentException">The offsets do not cut the T tokens into N sequences.</exception>
    public PackedBatch(int[] inputIds, int[] offsets, int[]? tokenTypeIds = null)
    {
        if (offsets.Length < 2) throw new ArgumentException("offsets must hold N+1 ≥ 2 values: a batch needs a sequence", nameof(offsets));
        if (offsets[0] != 0 || offsets[^1] != inputIds.Length)
            throw new ArgumentException($"offsets must run from 0 to the {inputIds.Length} tokens, not {offsets[0]} to {offsets[^1]}", nameof(offsets));
        for (int n = 1; n < offsets.Length; n++)
            if (offsets[n] <= offsets[n - 1]) throw new ArgumentException($"sequence {n - 1} is empty or reversed: offsets {offsets[n - 1]}, {offsets[n]}", nameof(offsets));
        if (tokenTypeIds != null && tokenTypeIds.Length != inputIds.Length)
            throw new ArgumentException($"tokenTypeIds holds {tokenTypeIds.Length} values for {inputIds.Length} tokens", nameof(tokenTypeIds));
        InputIds = inputIds;
        Offsets = offsets;
        TokenTypeIds = tokenTypeIds ?? new int[inputIds.Length];
    }

    /// <summary>N, the number of sequences.</summary>
    public int Count => Offsets.Length - 1;

    /// <summary>T, the real tokens of all sequences.</summary>
    public int Tokens => InputIds.Length;

    /// <summary>[T] token ids.</summary>
    public int[] InputIds { get; }

    /// <summary>[T] segment (token type) ids.</summary>
    public int[] TokenTypeIds { get; }

    /// <summary>[N+1] the first token of each sequence, then T.</summary>
    public int[] Offsets { get; }

    /// <summary>The longest sequence.</summary>
    public int LongestSequence
    {
        get
        {
            int longest = 0;
            for (int n = 0; n < Count; n++) longest = Math.Max(longest, Length(n));
            return longest;
        }
    }

    /// <summary>Tokens of sequence <paramref name="n"/>.</summary>
    public int Length(int n) => Offsets[n + 1] - Offsets[n];

    /// <summary>Position ids [T]: 0 .. len-1 within each sequence.</summary>
    public int[] PositionIds()
    {
        var p = new int[Tokens];
        PositionIds(p);
        return p;
    }

    /// <summary>Writes the position ids [T] into <paramref name="destination"/> (T values) and returns it.</summary>
    public Span<int> PositionIds(Span<int> destination)
    {
        if (destination.Length != Tokens) throw new ArgumentException($"{destination.Length} slots for {Tokens} position ids");
        for (int n = 0; n < Count; n++)
            for (int i = Offsets[n]; i < Offsets[n + 1]; i++) destination[i] = i - Offsets[n];
        return destination;
    }

    /// <summary>
    /// The real tokens of a right-padded batch: each row's tokens up to its last masked-in one (rows with a
    /// mask of 1s then 0s, as tokenizers pad).
    /// </summary>
    /// <exception cref="ArgumentException">A row is all padding, or has a real token after a padded one.</exception>
    public static PackedBatch FromPadded(BertBatch batch)
    {
        int s = batch.SequenceLength;
        var offsets = new int[batch.Batch + 1];
        for (int b = 0; b < batch.Batch; b++)
        {
            var mask = batch.AttentionMask.AsSpan(b * s, s);
            int length = mask.IndexOf(0);
            if (length < 0) length = s;
            if (mask[length..].ContainsAnyExcept(0)) throw new ArgumentException($"row {b} has a real token after padding: only right padding packs");
            if (length == 0) throw new ArgumentException($"row {b} of the batch is all padding");
            offsets[b + 1] = offsets[b] + length;
        }
        int tokens = offsets[^1];
        int[] ids = new int[tokens], types = new int[tokens];
        for (int b = 0; b < batch.Batch; b++)
        {
            int length = offsets[b + 1] - offsets[b];
            batch.InputIds.AsSpan(b * s, length).CopyTo(ids.AsSpan(offsets[b]));
            batch.TokenTypeIds.AsSpan(b * s, length).CopyTo(types.AsSpan(offsets[b]));
        }
        return new PackedBatch(ids, offsets, types);
    }
}
