using BertCore.Backends.Cpu;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Backends;

public class MatMulTests
{
    /// <summary>One MatMul call's sizes: op(a) [batch..., M, K] · op(b) [batch..., K, N] (b [K, N] when SharedB).</summary>
    public sealed record Case(int[] Batch, int M, int N, int K, bool TransA, bool TransB, bool SharedB = false)
    {
        public int BatchCount => Batch.Aggregate(1, (x, y) => x * y);
        public int[] AShape => [.. Batch, TransA ? K : M, TransA ? M : K];
        public int[] BShape => SharedB ? [TransB ? N : K, TransB ? K : N] : [.. Batch, TransB ? N : K, TransB ? K : N];
        public int[] CShape => [.. Batch, M, N];
        public int ACount => BatchCount * M * K;
        public int BCount => (SharedB ? 1 : BatchCount) * K * N;
        public int CCount => BatchCount * M * N;

        /// <summary>The CPU backend's c and geluOut (null unless gelu) from c0 [batch..., M, N], on
        /// <paramref name="threads"/> threads (0: one per processor), b marked constant (packed once) if asked, with
        /// 512-bit tiles or without when <paramref name="wideTiles"/> says (else the backend's own choice).</summary>
        public (float[] C, float[]? Gelu) Cpu(float[] a, float[] b, float[]? bias, float[] c0, float beta, bool gelu, int threads = 0,
            bool constantB = false, bool? wideTiles = null)
        {
            using var backend = wideTiles is bool wide ? new CpuBackend(threads, wide) : new CpuBackend(threads);
            using var ta = Tensor.FromArray(a, AShape);
            using var tb = Tensor.FromArray(b, BShape);
            if (constantB) tb.MarkConstant();
            using var tc = Tensor.FromArray(c0, CShape);
            using var tbias = bias == null ? null : Tensor.FromArray(bias, N);
            using var tg = gelu ? Tensor.FromArray(Nan(CCount), CShape) : null;
            backend.MatMul(ta, TransA, tb, TransB, tc, tbias, beta, tg);
            return (tc.ToArray(), tg?.ToArray());
        }

        public double[] Reference(float[] a, float[] b, float[]? bias, float[] c0, float beta, bool gelu) =>
            ReferenceBackend.MatMul(a.ToDouble(), TransA, b.ToDouble(), TransB, BatchCount, M, N, K, SharedB,
                bias?.ToDouble(), c0.ToDouble(), beta, gelu);

        public override string ToString() =>
            $"[{string.Join(",", Batch)}] {M}x{K}{(TransA ? "ᵀ" : "")} · {K}x{N}{(TransB ? "ᵀ" : "")}{(SharedB ? " shared" : "")}";
    }

    private static float[] Nan(int n) => Enumerable.Repeat(float.NaN, n).ToArray();

    /// <summary>CPU c (and geluOut) against the reference, with c starting as NaN when beta = 0.</summary>
    private static void CheckForward(Case g, bool bias = false, float beta = 0f, bool gelu = false, int seed = 1)
    {
        var a = TestData.Uniform(g.ACount, seed);
        var b = TestData.Uniform(g.BCount, seed + 1);
        var bi = bias ? TestData.Uniform(g.N, seed + 2) : null;
        var c0 = beta == 0f ? Nan(g.CCount) : TestData.Uniform(g.CCount, seed + 3);
        var (c, ge) = g.Cpu(a, b, bi, c0, beta, gelu);
        Close.RelativeToMax(c, g.Reference(a, b, bi, c0, beta, gelu: false), GradCheck.ForwardTolerance, $"c of {g}");
        if (gelu) Close.RelativeToMax(ge!, g.Reference(a, b, bi, c0, beta, gelu: true), GradCheck.ForwardTolerance, $"geluOut of {g}");
    }

    private static readonly bool[][] Transposes = [[false, false], [false, true], [true, false], [true, true]];

    /// <summary>
    /// (m, n, k): every remainder of the 6×16 tile; exactly one tile and one KC = 256 slice; k across 2 and 3
    /// slices; m past one MC = 168 row block; n past one NC = 4080 column panel; the threaded path (m·n·k ≥ 2^20),
    /// also with m smaller than the row blocks of one thread each. Tolerance: sums of up to 520 products of
    /// values in [-1, 1] round to ~1e-7 of the largest entry in fp32, well inside the harness's 1e-5.
    /// </summary>
    public static IEnumerable<object[]> OddShapes()
    {
        int[][] shapes =
        [
            [1, 1, 1], [3, 7, 13], [7, 13, 3], [13, 17, 33], [17, 33, 7], [6, 16, 256], [12, 32, 257], [1, 300, 1],
            [300, 1, 300], [33, 67, 129], [67, 129, 300], [129, 300, 67], [300, 17, 129], [169, 33, 520],
            [13, 300, 300], [5, 4100, 3],
        ];
        foreach (var s in shapes)
            foreach (var t in Transposes)
                yield return [new Case([], s[0], s[1], s[2], t[0], t[1])];
    }

    [Theory]
    [MemberData(nameof(OddShapes))]
    public void Matches_reference_on_odd_shapes(Case g) => CheckForward(g);

    public static IEnumerable<object[]> BatchedCases()
    {
        foreach (var t in Transposes)
        {
            yield return [new Case([2, 3], 13, 17, 33, t[0], t[1])];
            yield return [new Case([3], 7, 19, 260, t[0], t[1], SharedB: true)];
            // Enough batches and work for whole matrices to go to different threads.
            yield return [new Case([8], 33, 67, 129, t[0], t[1])];
            yield return [new Case([8], 33, 67, 129, t[0], t[1], SharedB: true)];
        }
    }

    [Theory]
    [MemberData(nameof(BatchedCases))]
    public void Batched_matches_reference(Case g) => CheckForward(g, bias: true);

    public static IEnumerable<object[]> EpilogueCases()
    {
        foreach (float beta in new[] { 0f, 1f, 0.5f, -2f })
        {
            yield return [new Case([], 7, 33, 300, false, true), beta];
            yield return [new Case([], 67, 29, 13, true, false), beta];
            yield return [new Case([2], 13, 45, 260, false, false), beta];
        }
    }

    [Theory]
    [MemberData(nameof(EpilogueCases))]
    public void Bias_and_beta(Case g, float beta) => CheckForward(g, bias: true, beta: beta);

    [Theory]
    [MemberData(nameof(EpilogueCases))]
    public void Gelu_epilogue_keeps_pre_activation_in_c(Case g, float beta) => CheckForward(g, bias: true, beta: beta, gelu: true);

    [Fact]
    public void Beta_zero_without_bias_ignores_nan_in_c() => CheckForward(new Case([], 13, 17, 300, true, true));

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public void Empty_inner_dimension_gives_bias_plus_beta_c(float beta) =>
        CheckForward(new Case([], 7, 19, 0, false, false), bias: true, beta: beta, gelu: true);

    [Fact]
    public void Mismatched_shapes_are_rejected_with_the_shapes_named()
    {
        using var backend = new CpuBackend();
        using var a = Tensor.Zeros(5, 7);
        using var b = Tensor.Zeros(7, 11);
        using var c = Tensor.Zeros(5, 11);
        using var wrongC = Tensor.Zeros(5, 12);
        using var wrongB = Tensor.Zeros(8, 11);
        using var batchedA = Tensor.Zeros(2, 5, 7);
        using var batchedB = Tensor.Zeros(3, 7, 11);
        using var batchedC = Tensor.Zeros(2, 5, 11);
        using var bias = Tensor.Zeros(12);
        var e = Assert.Throws<ArgumentException>(() => backend.MatMul(a, false, wrongB, false, c));
        Assert.Contains("[5, 7]", e.Message);
        Assert.Contains("[8, 11]", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.MatMul(a, false, b, false, wrongC));
        Assert.Contains("[5, 12]", e.Message);
        Assert.Throws<ArgumentException>(() => backend.MatMul(a, true, b, false, c));
        Assert.Throws<ArgumentException>(() => backend.MatMul(batchedA, false, batchedB, false, batchedC));
        Assert.Throws<ArgumentException>(() => backend.MatMul(a, false, b, false, batchedC));
        e = Assert.Throws<ArgumentException>(() => backend.MatMul(a, false, b, false, c, bias));
        Assert.Contains("bias [12]", e.Message);
        Assert.Throws<ArgumentException>(() => backend.MatMul(a, false, b, false, c, geluOut: wrongC));
    }

    [Fact]
    public void Output_overlapping_an_input_is_rejected()
    {
        using var backend = new CpuBackend();
        using var storage = Tensor.Zeros(2, 5, 5);
        var a = storage.SliceRows(0, 1).Reshape(5, 5);
        var c = storage.SliceRows(1, 1).Reshape(5, 5);
        backend.MatMul(a, false, a, false, c);   // disjoint views of one storage are fine
        Assert.Throws<ArgumentException>(() => backend.MatMul(a, false, c, false, a));
        Assert.Throws<ArgumentException>(() => backend.MatMul(a, false, a, false, c, geluOut: c));
    }

    [Fact]
    public void Rows_do_not_depend_on_threads_or_row_blocks()
    {
        // 300·257·520 multiply-adds take the threaded path; each row slice below is cut into different row
        // blocks (and the 1-row one stays on one thread), and its last 1, 2, 3 or 5 rows make a partial A sliver
        // (1–3 rows go through GemmKernel.EdgePair two B slivers at a time, an odd last sliver of a part's columns alone),
        // yet every element must come out bitwise the same as in the whole product's full tiles.
        var g = new Case([], 300, 257, 520, false, true);
        var a = TestData.Uniform(g.ACount, 21);
        var b = TestData.Uniform(g.BCount, 22);
        var bias = TestData.Uniform(g.N, 23);
        var (first, firstGelu) = g.Cpu(a, b, bias, Nan(g.CCount), 0f, gelu: true);
        var (second, secondGelu) = g.Cpu(a, b, bias, Nan(g.CCount), 0f, gelu: true);
        Assert.Equal(first, second);
        Assert.Equal(firstGelu, secondGelu);
        foreach (var (start, rows) in new[] { (0, 1), (0, 13), (0, 14), (100, 33), (13, 287), (150, 7) })
        {
            var slice = g with { M = rows };
            var (c, ge) = slice.Cpu(a[(start * g.K)..((start + rows) * g.K)], b, bias, Nan(slice.CCount), 0f, gelu: true);
            Assert.Equal(first[(start * g.N)..((start + rows) * g.N)], c);
            Assert.Equal(firstGelu![(start * g.N)..((start + rows) * g.N)], ge);
        }
    }

    /// <summary>
    /// Shapes for the cut of a threaded product and for pre-packed weights: one sequence through a BERT-base layer
    /// (128 rows: op(A) packed whole by the threads, columns cut), K past one packed panel (N = 4100 is past NC, so
    /// K is cut into panels of 4 slices), op(A) packed whole from a transposed A, more rows than Gemm.SmallM (rows and
    /// columns cut, each part packing its own op(A)), and a shared B for a batch.
    /// </summary>
    public static IEnumerable<object[]> PartShapes() =>
    [
        [new Case([], 128, 768, 768, false, true)],
        [new Case([], 7, 4100, 1300, false, true)],
        [new Case([], 300, 257, 520, false, false)],
        [new Case([], 200, 100, 300, true, true)],
        [new Case([], 700, 300, 260, true, false)],
        [new Case([3], 50, 70, 300, false, true, SharedB: true)],
    ];

    [Theory]
    [MemberData(nameof(PartShapes))]
    public void Results_do_not_depend_on_threads_parts_or_prepacked_weights(Case g)
    {
        // The thread count changes the grid of parts (and 1 thread runs one part); a constant B is packed whole once
        // instead of panel by panel: each element must still be the same k-ordered sum, bitwise.
        var a = TestData.Uniform(g.ACount, 41);
        var b = TestData.Uniform(g.BCount, 42);
        var bias = TestData.Uniform(g.N, 43);
        var (expected, expectedGelu) = g.Cpu(a, b, bias, Nan(g.CCount), 0f, gelu: true, threads: 1);
        Close.RelativeToMax(expected, g.Reference(a, b, bias, Nan(g.CCount), 0f, gelu: false), GradCheck.ForwardTolerance, $"c of {g}");
        foreach (int threads in new[] { 1, 2, 3 })
            foreach (bool constantB in new[] { false, true })
            {
                var (c, ge) = g.Cpu(a, b, bias, Nan(g.CCount), 0f, gelu: true, threads, constantB);
                Assert.True(expected.AsSpan().SequenceEqual(c), $"c of {g} on {threads} threads, constant B {constantB}");
                Assert.True(expectedGelu.AsSpan().SequenceEqual(ge), $"geluOut of {g} on {threads} threads, constant B {constantB}");
            }
    }

    /// <summary>
    /// Shapes for the 512-bit tiles (two B slivers of 16 columns at a time): N = 40 is a pair and a partial sliver,
    /// 48 a pair and a whole sliver alone, 257 eight pairs and one column; M leaves 0, 2 (EdgePair over a pair) or 4
    /// rows (EdgeTile twice) past the whole 6-row tiles; plus the part shapes above (threads cut columns on
    /// sliver boundaries, so a part may start a pair on an odd sliver).
    /// </summary>
    public static IEnumerable<object[]> WideShapes() =>
        new[] { new[] { 12, 40, 300 }, new[] { 14, 48, 7 }, new[] { 16, 257, 520 }, new[] { 130, 96, 33 } }
            .Select(s => new object[] { new Case([], s[0], s[1], s[2], false, true) })
            .Concat(PartShapes());

    [Theory]
    [MemberData(nameof(WideShapes))]
    public void Wide_tiles_give_the_bits_of_narrow_tiles(Case g)
    {
        // GemmKernel.WideTile does Tile's k-ordered FMAs on 16 lanes and the same epilogue: every element of c and
        // geluOut must be bitwise the same, with bias and beta·c, on one and two threads.
        var a = TestData.Uniform(g.ACount, 51);
        var b = TestData.Uniform(g.BCount, 52);
        var bias = TestData.Uniform(g.N, 53);
        var c0 = TestData.Uniform(g.CCount, 54);
        foreach (int threads in new[] { 1, 2 })
        {
            var (narrow, narrowGelu) = g.Cpu(a, b, bias, c0, 0.5f, gelu: true, threads, wideTiles: false);
            var (wide, wideGelu) = g.Cpu(a, b, bias, c0, 0.5f, gelu: true, threads, wideTiles: true);
            Assert.True(narrow.AsSpan().SequenceEqual(wide), $"c of {g} on {threads} threads");
            Assert.True(narrowGelu.AsSpan().SequenceEqual(wideGelu), $"geluOut of {g} on {threads} threads");
        }
    }

    [Fact]
    public void Batch_entries_do_not_depend_on_how_the_batch_is_split()
    {
        // Batched, the 8 matrices go to different threads whole; alone, each one runs by itself.
        var g = new Case([8], 33, 67, 129, true, false);
        var a = TestData.Uniform(g.ACount, 31);
        var b = TestData.Uniform(g.BCount, 32);
        var (all, _) = g.Cpu(a, b, null, Nan(g.CCount), 0f, gelu: false);
        var one = g with { Batch = [] };
        for (int i = 0; i < 8; i++)
        {
            var (c, _) = one.Cpu(a[(i * one.ACount)..((i + 1) * one.ACount)], b[(i * one.BCount)..((i + 1) * one.BCount)],
                null, Nan(one.CCount), 0f, gelu: false);
            Assert.Equal(all[(i * one.CCount)..((i + 1) * one.CCount)], c);
        }
    }

    // ---- through the autograd graph ----

}
