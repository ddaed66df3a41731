namespace BertCore.Nn.Bert;

/// <summary>
/// One batch of encoder inputs on the host, row-major [Batch, SequenceLength]: token ids, segment (token type)
/// ids (0 when absent) and the attention mask (1 real token, 0 padding; all ones when absent).
/// </summary>
public sealed class BertBatch
{
    public BertBatch(int batch, int sequenceLength, int[] inputIds, int[]? tokenTypeIds = null, int[]? attentionMask = null)
    {
        int n = batch * sequenceLength;
        if (batch <= 0 || sequenceLength <= 0) throw new ArgumentException($"batch {batch} × sequence {sequenceLength} is empty");
        Check(inputIds, n, nameof(inputIds));
        if (tokenTypeIds != null) Check(tokenTypeIds, n, nameof(tokenTypeIds));
        if (attentionMask != null) Check(attentionMask, n, nameof(attentionMask));
        Batch = batch;
        SequenceLength = sequenceLength;
        InputIds = inputIds;
        TokenTypeIds = tokenTypeIds ?? new int[n];
        AttentionMask = attentionMask ?? Enumerable.Repeat(1, n).ToArray();
    }

    public int Batch { get; }
    public int SequenceLength { get; }
    public int[] InputIds { get; }
    public int[] TokenTypeIds { get; }
    public int[] AttentionMask { get; }

    /// <summary>Position ids 0..S-1 for every row, [B, S].</summary>
    public int[] PositionIds()
    {
        var p = new int[Batch * SequenceLength];
        PositionIds(p);
        return p;
    }

    /// <summary>Writes the position ids [B, S] into <paramref name="destination"/> (B·S values) and returns it.</summary>
    public Span<int> PositionIds(Span<int> destination)
    {
        if (destination.Length != Batch * SequenceLength)
            throw new ArgumentException($"{destination.Length} slots for {Batch} × {SequenceLength} position ids");
        for (int i = 0; i < destination.Length; i++) destination[i] = i % SequenceLength;
        return destination;
    }

    private static void Check(int[] values, int n, string name)
    {
        if (values.Length != n) throw new ArgumentException($"{name} holds {values.Length} values; expected batch × sequence = {n}");
    }
}
