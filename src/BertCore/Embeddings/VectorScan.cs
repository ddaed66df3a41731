using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertCore.Embeddings;

/// <summary>
/// The dot products of one query with consecutive stored rows, in 256-bit vectors. Every row's sum is taken in one
/// fixed order whatever the rows around it (lanes of 8: even 8-value chunks into one accumulator, odd into another;
/// their sum; the lanes summed; then the values past the last whole chunk one by one), so equal rows give equal bits
/// and a query scores the same alone or in a batch. Four rows at a time keep eight accumulation chains in flight;
/// a search over many rows reads memory faster than it multiplies, so wider vectors would not pay here.
/// </summary>
internal static unsafe class VectorScan
{
    /// <summary>scores[r] = Σ_i query[i] · rows[r, i] for r in [0, count). query [d], rows [count, d], scores [count].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot(float* query, float* rows, int count, int d, float* scores)
    {
        int r = 0;
        for (; r + 4 <= count; r += 4)
        {
            float* r0 = rows + (long)r * d, r1 = r0 + d, r2 = r1 + d, r3 = r2 + d;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
            int i = 0;
            for (; i + 16 <= d; i += 16)
            {
                var q = Vector256.Load(query + i);
                a0 = Vector256.FusedMultiplyAdd(q, Vector256.Load(r0 + i), a0);
                a1 = Vector256.FusedMultiplyAdd(q, Vector256.Load(r1 + i), a1);
                a2 = Vector256.FusedMultiplyAdd(q, Vector256.Load(r2 + i), a2);
                a3 = Vector256.FusedMultiplyAdd(q, Vector256.Load(r3 + i), a3);
                var p = Vector256.Load(query + i + 8);
                b0 = Vector256.FusedMultiplyAdd(p, Vector256.Load(r0 + i + 8), b0);
                b1 = Vector256.FusedMultiplyAdd(p, Vector256.Load(r1 + i + 8), b1);
                b2 = Vector256.FusedMultiplyAdd(p, Vector256.Load(r2 + i + 8), b2);
                b3 = Vector256.FusedMultiplyAdd(p, Vector256.Load(r3 + i + 8), b3);
            }
            if (i + 8 <= d)
            {
                var q = Vector256.Load(query + i);
                a0 = Vector256.FusedMultiplyAdd(q, Vector256.Load(r0 + i), a0);
                a1 = Vector256.FusedMultiplyAdd(q, Vector256.Load(r1 + i), a1);
                a2 = Vector256.FusedMultiplyAdd(q, Vector256.Load(r2 + i), a2);
                a3 = Vector256.FusedMultiplyAdd(q, Vector256.Load(r3 + i), a3);
                i += 8;
            }
            scores[r] = Tail(query, r0, i, d, Vector256.Sum(a0 + b0));
            scores[r + 1] = Tail(query, r1, i, d, Vector256.Sum(a1 + b1));
            scores[r + 2] = Tail(query, r2, i, d, Vector256.Sum(a2 + b2));
            scores[r + 3] = Tail(query, r3, i, d, Vector256.Sum(a3 + b3));
        }
        for (; r < count; r++) scores[r] = Dot(query, rows + (long)r * d, d);
    }

    /// <summary>scores[r] = scales[r] · Σ_i query[i] · rows[r, i] for r in [0, count): query [d] fp32, rows [count, d]
    /// int8, scales [count]. The int8 values are widened to fp32 (exactly), so the sum is the fp32 dot product of the
    /// query with the stored integers, 32 values at a time (their 8-value quarters alternating between the two
    /// accumulators), then the values past the last whole 32 one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot(float* query, sbyte* rows, float* scales, int count, int d, float* scores)
    {
        int r = 0;
        for (; r + 4 <= count; r += 4)
        {
            sbyte* r0 = rows + (long)r * d, r1 = r0 + d, r2 = r1 + d, r3 = r2 + d;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
            int i = 0;
            for (; i + 32 <= d; i += 32)
            {
                var q0 = Vector256.Load(query + i);
                var q1 = Vector256.Load(query + i + 8);
                var q2 = Vector256.Load(query + i + 16);
                var q3 = Vector256.Load(query + i + 24);
                Step(q0, q1, q2, q3, r0 + i, ref a0, ref b0);
                Step(q0, q1, q2, q3, r1 + i, ref a1, ref b1);
                Step(q0, q1, q2, q3, r2 + i, ref a2, ref b2);
                Step(q0, q1, q2, q3, r3 + i, ref a3, ref b3);
            }
            scores[r] = scales[r] * Tail(query, r0, i, d, Vector256.Sum(a0 + b0));
            scores[r + 1] = scales[r + 1] * Tail(query, r1, i, d, Vector256.Sum(a1 + b1));
            scores[r + 2] = scales[r + 2] * Tail(query, r2, i, d, Vector256.Sum(a2 + b2));
            scores[r + 3] = scales[r + 3] * Tail(query, r3, i, d, Vector256.Sum(a3 + b3));
        }
        for (; r < count; r++) scores[r] = scales[r] * Dot(query, rows + (long)r * d, d);
    }

    /// <summary>One row's fp32 dot product in the order of the four-row loop.</summary>
    private static float Dot(float* query, float* row, int d)
    {
        Vector256<float> a = default, b = default;
        int i = 0;
        for (; i + 16 <= d; i += 16)
        {
            a = Vector256.FusedMultiplyAdd(Vector256.Load(query + i), Vector256.Load(row + i), a);
            b = Vector256.FusedMultiplyAdd(Vector256.Load(query + i + 8), Vector256.Load(row + i + 8), b);
        }
        if (i + 8 <= d)
        {
            a = Vector256.FusedMultiplyAdd(Vector256.Load(query + i), Vector256.Load(row + i), a);
            i += 8;
        }
        return Tail(query, row, i, d, Vector256.Sum(a + b));
    }

    /// <summary>One int8 row's dot product (before its scale) in the order of the four-row loop.</summary>
    private static float Dot(float* query, sbyte* row, int d)
    {
        Vector256<float> a = default, b = default;
        int i = 0;
        for (; i + 32 <= d; i += 32)
            Step(Vector256.Load(query + i), Vector256.Load(query + i + 8), Vector256.Load(query + i + 16),
                Vector256.Load(query + i + 24), row + i, ref a, ref b);
        return Tail(query, row, i, d, Vector256.Sum(a + b));
    }

    /// <summary>32 int8 values widened to fp32 times the query's 32 (q0..q3, 8 each): quarters 0 and 2 into a, 1 and 3 into b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(Vector256<float> q0, Vector256<float> q1, Vector256<float> q2, Vector256<float> q3, sbyte* row,
        ref Vector256<float> a, ref Vector256<float> b)
    {
        var (low, high) = Vector256.Widen(Vector256.Load(row));   // values 0..15 and 16..31 as int16
        var (x0, x1) = Vector256.Widen(low);
        var (x2, x3) = Vector256.Widen(high);
        a = Vector256.FusedMultiplyAdd(q0, Vector256.ConvertToSingle(x0), a);
        b = Vector256.FusedMultiplyAdd(q1, Vector256.ConvertToSingle(x1), b);
        a = Vector256.FusedMultiplyAdd(q2, Vector256.ConvertToSingle(x2), a);
        b = Vector256.FusedMultiplyAdd(q3, Vector256.ConvertToSingle(x3), b);
    }

    /// <summary>sum + Σ_{i in [from, d)} query[i] · row[i], one fused multiply-add at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(float* query, float* row, int from, int d, float sum)
    {
        for (int i = from; i < d; i++) sum = MathF.FusedMultiplyAdd(query[i], row[i], sum);
        return sum;
    }

    /// <summary>sum + Σ_{i in [from, d)} query[i] · row[i], one fused multiply-add at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(float* query, sbyte* row, int from, int d, float sum)
    {
        for (int i = from; i < d; i++) sum = MathF.FusedMultiplyAdd(query[i], row[i], sum);
        return sum;
    }
}
