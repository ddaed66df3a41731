using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The sizes of one <see cref="IBackend.MatMul"/> call, checked against the contract: c [batch..., M, N] is
/// op(a) [batch..., M, K] · op(b) [batch..., K, N], where b is either batched like c or one plain matrix shared by
/// every batch (<see cref="BroadcastB"/>). Every backend validates through <see cref="Of"/>, and
/// <see cref="IBackend.SumRowsInto"/> (the bias gradient) through <see cref="SumRowsInto"/>: each op's only argument check.
/// </summary>
internal readonly record struct MatMulShape(int Batch, int M, int N, int K, bool BroadcastB)
{
    /// <summary>The sizes of c = op(a)·op(b) (+bias) with an optional geluOut, or an ArgumentException naming the shapes.</summary>
    public static MatMulShape Of(Tensor a, bool transA, Tensor b, bool transB, Tensor c, Tensor? bias, Tensor? geluOut)
    {
        // Formatted only for an error message: the checks themselves allocate nothing.
        string Call() => $"MatMul: a {a.Shape}{(transA ? "ᵀ" : "")} · b {b.Shape}{(transB ? "ᵀ" : "")} → c {c.Shape}";
        if (a.DType != DType.F32 || b.DType != DType.F32 || c.DType != DType.F32 || bias is { DType: not DType.F32 } || geluOut is { DType: not DType.F32 })
            throw new ArgumentException($"{Call()}: every operand must be F32");
        if (a.Shape.Rank < 2 || b.Shape.Rank < 2 || c.Shape.Rank < 2)
            throw new ArgumentException($"{Call()}: a, b and c need rank ≥ 2");
        if (a.Shape.Rank != c.Shape.Rank || !SameBatch(a.Shape, c.Shape))
            throw new ArgumentException($"{Call()}: a must have c's batch dimensions");
        bool broadcast = b.Shape.Rank == 2 && c.Shape.Rank > 2;
        if (!broadcast && (b.Shape.Rank != c.Shape.Rank || !SameBatch(b.Shape, c.Shape)))
            throw new ArgumentException($"{Call()}: b must have c's batch dimensions or be a plain matrix");

        int m = c.Shape[-2], n = c.Shape[-1];
        int aRows = transA ? a.Shape[-1] : a.Shape[-2], k = transA ? a.Shape[-2] : a.Shape[-1];
        int bRows = transB ? b.Shape[-1] : b.Shape[-2], bCols = transB ? b.Shape[-2] : b.Shape[-1];
        if (aRows != m) throw new ArgumentException($"{Call()}: op(a) has {aRows} rows, c has {m}");
        if (bCols != n) throw new ArgumentException($"{Call()}: op(b) has {bCols} columns, c has {n}");
        if (bRows != k) throw new ArgumentException($"{Call()}: inner dimensions differ, op(a) is {m}×{k} and op(b) is {bRows}×{n}");
        if (bias != null && (bias.Shape.Rank != 1 || bias.Shape[0] != n))
            throw new ArgumentException($"{Call()}: bias {bias.Shape} should be [{n}]");
        if (geluOut != null && geluOut.Shape != c.Shape)
            throw new ArgumentException($"{Call()}: geluOut {geluOut.Shape} should have c's shape");
        if (Overlaps(c, a) || Overlaps(c, b) || (bias != null && Overlaps(c, bias)))
            throw new ArgumentException($"{Call()}: c overlaps an input");
        if (geluOut != null && (Overlaps(geluOut, a) || Overlaps(geluOut, b) || Overlaps(geluOut, c) || (bias != null && Overlaps(geluOut, bias))))
            throw new ArgumentException($"{Call()}: geluOut {geluOut.Shape} overlaps an input or c");

        return new MatMulShape(BatchCount(c.Shape), m, n, k, broadcast);
    }

    /// <summary>The [rows, n] view of dy for dbias [n] += its column sums, or an ArgumentException naming the shapes.</summary>
    // dy [R, N]; dbias [N]
    public static (int Rows, int Cols) SumRowsInto(Tensor dy, Tensor dbias)
    {
        int n = dy.Shape.Last;
        OpChecks.Float("SumRowsInto", "dy", dy);
        if (dbias.DType != DType.F32 || dbias.Shape.Rank != 1 || dbias.Shape[0] != n)
            throw new ArgumentException($"SumRowsInto: dbias {dbias.DType} {dbias.Shape} should be F32 [{n}] for dy {dy.Shape}");
        return (OpChecks.Rows("SumRowsInto", "dy", dy), n);
    }

    private static bool SameBatch(Shape x, Shape y)
    {
        for (int i = 0; i < x.Rank - 2; i++)
            if (x[i] != y[i]) return false;
        return true;
    }

    private static int BatchCount(Shape s)
    {
        long batch = 1;
        for (int i = 0; i < s.Rank - 2; i++) batch *= s[i];
        return checked((int)batch);
    }

    private static bool Overlaps(Tensor x, Tensor y) =>
        x.Storage == y.Storage && x.ByteOffset < y.ByteOffset + y.Bytes && y.ByteOffset < x.ByteOffset + x.Bytes;
}
