using System.Runtime.InteropServices;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Per-thread native work space of the tiled attention kernels, carved into the buffers of one (batch, head)
/// pair: packed K and V for the whole sequence, packed query-block operands, one score tile and one gradient
/// tile, and per-row statistics. Nothing here is S × S: the tiles are <see cref="AttentionKernel.QueryBlock"/> ×
/// <see cref="AttentionKernel.KeyBlock"/>. Grows when a longer sequence or wider head comes, else is reused;
/// freed by the finalizer when its thread is gone.
/// </summary>
internal sealed unsafe class AttentionScratch
{
    [ThreadStatic] private static AttentionScratch? t_current;

    private float* _memory;
    private long _floats;

    /// <summary>K or V packed as a B operand over k = head columns: [ceil(S/NR), D, NR] (two of them).</summary>
    public float* KeysT, ValuesT;
    /// <summary>K or V packed as a B operand over k = keys: [ceil(D/NR), S, NR].</summary>
    public float* KeysB;
    /// <summary>Query-block rows of Q and dO packed as A operands over k = D: [ceil(QueryBlock/MR), D, MR].</summary>
    public float* QueriesA, GradOutA;
    /// <summary>Query-block rows of Q and dO packed as B operands over k = query rows: [ceil(D/NR), QueryBlock, NR].</summary>
    public float* QueriesB, GradOutB;
    /// <summary>Score and probability-gradient tiles [QueryBlock, KeyBlock].</summary>
    public float* Scores, GradScores;
    /// <summary>A tile packed as an A operand, either way round.</summary>
    public float* TileA;
    /// <summary>Output accumulators of a query block [QueryBlock, roundUp(D, NR)].</summary>
    public float* Output;
    /// <summary>Per query row of the block: running max, running sum (or log-sum-exp), dO·O.</summary>
    public float* RowMax, RowSum, RowDot;
    /// <summary>Additive key mask [S]: 0 or float.MinValue.</summary>
    public float* MaskAdd;
    /// <summary>Dropout multipliers of one tile row [KeyBlock].</summary>
    public float* DropRow;

    /// <summary>This thread's scratch, laid out for sequence length <paramref name="seq"/> and head width
    /// <paramref name="headDim"/>.</summary>
    public static AttentionScratch For(int seq, int headDim)
    {
        var s = t_current ??= new AttentionScratch();
        s.Layout(seq, headDim);
        return s;
    }

    private void Layout(int seq, int headDim)
    {
        const int MR = GemmKernel.MR, NR = GemmKernel.NR, QB = AttentionKernel.QueryBlock, KB = AttentionKernel.KeyBlock;
        int seqPad = TilePacking.RoundUp(seq, NR), dPad = TilePacking.RoundUp(headDim, NR);
        long tile = (long)QB * KB, tileA = Math.Max((long)QB * KB, (long)TilePacking.RoundUp(KB, MR) * QB);
        Span<long> sizes = stackalloc long[]
        {
            (long)seqPad * headDim, (long)seqPad * headDim, (long)dPad * seq,
            (long)QB * headDim, (long)QB * headDim, (long)dPad * QB, (long)dPad * QB,
            tile, tile, tileA, (long)QB * dPad, QB, QB, QB, seq, KB,
        };
        long total = 0;
        foreach (var size in sizes) total += Align(size);
        if (total > _floats)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = (float*)NativeMemory.AlignedAlloc((nuint)(total * sizeof(float)), 64);
            _floats = total;
        }
        Span<IntPtr> at = stackalloc IntPtr[sizes.Length];
        float* p = _memory;
        for (int i = 0; i < sizes.Length; i++)
        {
            at[i] = (IntPtr)p;
            p += Align(sizes[i]);
        }
        KeysT = (float*)at[0]; ValuesT = (float*)at[1]; KeysB = (float*)at[2];
        QueriesA = (float*)at[3]; GradOutA = (float*)at[4]; QueriesB = (float*)at[5]; GradOutB = (float*)at[6];
        Scores = (float*)at[7]; GradScores = (float*)at[8]; TileA = (float*)at[9]; Output = (float*)at[10];
        RowMax = (float*)at[11]; RowSum = (float*)at[12]; RowDot = (float*)at[13]; MaskAdd = (float*)at[14]; DropRow = (float*)at[15];
    }

    /// <summary>Floats rounded up to 64 bytes, plus 16 so that a vector tail may overrun by one vector.</summary>
    private static long Align(long floats) => (floats + 16 + 15) / 16 * 16;

    ~AttentionScratch() => NativeMemory.AlignedFree(_memory);
}
