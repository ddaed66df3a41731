using System.Diagnostics;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.Diagnostics;
using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace BertCore.Benchmarks.Gpu;

/// <summary>
/// The kernel workbench, after llm.c's dev/cuda: numbered versions of each kernel, each validated against the CPU
/// backend (itself tested against the scalar reference) on the same inputs, then timed (one warm-up launch, every
/// kernel loaded before timing) and reported in GFLOP/s or GB/s. Versions: 1 = <see cref="NaiveKernels"/>,
/// 2 and up = the GPU backend's kernels (GEMM: 2 the 64×64 kernel, 3 the 128×128 kernel, 4 the backend's choice by size,
/// split-K included, then other split-K targets and every forced split count for the products of few tiles; attention: 2 the
/// backend's kernels, 3 the same with a launch bound of two groups per multiprocessor),
/// 0 = cuBLAS for reference (GEMM on CUDA only).
/// <code>dotnet run -c Release --project benchmarks/BertCore.Benchmarks -- gpu [--device cuda|simulator] [--kernel gemm|layernorm|softmax|attention|columnsum|layernorm-backward|parity|all] [--repeat N]</code>
/// <code>dotnet run -c Release --project benchmarks/BertCore.Benchmarks -- gpu --ptx DIR</code> writes every kernel's PTX.
/// On the simulator (ILGPU's CPU accelerator) sizes are tiny and the numbers only prove that the code runs.
/// </summary>
public static class GpuWorkbench
{
    private const double Tolerance = 1e-4;

    /// <summary>Shallowest K-slice the split-count sweep times: eight shared-memory slices of the large-tile kernel.</summary>
    private const int MinimumSweptDepth = 64;

    public static int Run(string[] args)
    {
        if (Option(args, "--ptx") is { } folder) return WritePtx(folder);
        string device = Option(args, "--device") ?? "cuda", kernel = Option(args, "--kernel") ?? "all";
        int repeat = int.Parse(Option(args, "--repeat") ?? "20");
        using var gpu = device == "simulator" ? GpuBackend.CreateSimulator() : GpuBackend.CreateCuda();
        bool tiny = device == "simulator";
        Console.WriteLine($"device: {gpu.Name}");
        var cpu = new CpuBackend();
        bool ok = true;
        if (kernel is "gemm" or "all")
            foreach (var shape in tiny ? [(40, 48, 36), (8, 12, 300)] : new[] { (4096, 4096, 4096), (4096, 3072, 768), (4096, 768, 3072), (4096, 768, 768), (768, 768, 4096), (3072, 768, 4096), (768, 3072, 4096) })
                ok &= Gemm(gpu, cpu, shape, repeat);
        if (kernel is "layernorm" or "all") ok &= LayerNorm(gpu, cpu, tiny ? (9, 45) : (16384, 768), repeat);
        if (kernel is "softmax" or "all") ok &= Softmax(gpu, cpu, tiny ? (9, 45) : (16384, 512), repeat);
        if (kernel is "attention" or "all")
            foreach (var shape in tiny ? [(1, 8, 2, 16)] : new[] { (32, 128, 12, 64), (8, 512, 12, 64) })
                ok &= Attention(gpu, cpu, shape, repeat);
        if (kernel is "columnsum" or "all") ok &= ColumnSum(gpu, cpu, tiny ? (300, 45) : (4096, 768), repeat);
        if (kernel is "layernorm-backward" or "all") ok &= LayerNormBackward(gpu, cpu, tiny ? (300, 45) : (4096, 768), repeat);
        if (kernel is "parity" or "all") ok &= Parity(gpu, cpu, tiny ? "tiny" : "mini", tiny ? 2 : 8, tiny ? 16 : 128);
        return ok ? 0 : 1;
    }

    /// <summary>Writes the sm_90 PTX of every kernel to <paramref name="folder"/> (no GPU needed), for ptxas's resource
    /// report (registers, spills, shared memory): <c>ptxas -arch=sm_90 -v FILE.ptx -o /dev/null</c>.</summary>
    private static int WritePtx(string folder)
    {
        Directory.CreateDirectory(folder);
        using var generator = PtxGenerator.ForSm90();
        void Write(string name, string ptx)
        {
            string path = Path.Combine(folder, name + ".ptx");
            File.WriteAllText(path, ptx);
            Console.WriteLine(path);
        }
        foreach (var kernel in KernelCatalog.All) Write($"{kernel.DeclaringType!.Name}.{kernel.Name}", generator.Generate(kernel));
        // The workbench's attention v3: the tiled kernels with a launch bound of two groups per multiprocessor.
        foreach (var kernel in AttentionKernels.Tiled)
            Write($"{kernel.DeclaringType!.Name}.{kernel.Name}.bound2", generator.Generate(kernel, AttentionKernels.LaunchBound(2)));
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    // ---- GEMM: c [m, n] = a [m, k] · b [k, n] ----

    private static bool Gemm(GpuBackend gpu, CpuBackend cpu, (int M, int N, int K) s, int repeat)
    {
        var (m, n, k) = s;
        using var data = new Operands(gpu, [(m, k), (k, n), (m, n)]);
        using var expected = Tensor.Zeros(m, n);
        cpu.MatMul(data.Host[0], false, data.Host[1], false, expected);
        double flops = 2.0 * m * n * k;
        Console.WriteLine($"gemm {m}x{n}x{k}");
        var naive = gpu.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(
            NaiveKernels.Gemm);
        bool ok = Report(1, "one thread per output", gpu, data, 2, expected, flops, 0, repeat,
            () => naive(m * n, data.View(0), data.View(1), data.View(2), m, n, k));
        void MatMul() => gpu.MatMul(data.Device[0], false, data.Device[1], false, data.Device[2]);
        var production = gpu.GemmTuning;
        ok &= gpu.WithGemmTuning(production with { LargeTileMinimum = int.MaxValue },
            () => Report(2, "64x64 tiles, 4x4 per thread", gpu, data, 2, expected, flops, 0, repeat, MatMul));
        ok &= gpu.WithGemmTuning(production with { LargeTileMinimum = 1, SplitKMinimumDepth = int.MaxValue },
            () => Report(3, "128x128 tiles, 32x64 per warp, 8x8 per thread", gpu, data, 2, expected, flops, 0, repeat, MatMul));
        ok &= Report(4, "production choice (v2, v3 or v3 with split-K)", gpu, data, 2, expected, flops, 0, repeat, MatMul);
        foreach (int target in new[] { 132, 528 })
            ok &= gpu.WithGemmTuning(production with { SplitKTargetGroups = target },
                () => Report(4, $"split-K aiming at {target} groups", gpu, data, 2, expected, flops, 0, repeat, MatMul));
        // Every split count, powers of two or not, where the product has fewer 128×128 tiles than two full waves: whether the
        // groups fill whole waves of two per multiprocessor matters more there than the depth of each slice.
        long tiles = GpuBackend.LargeTiles(m, n);
        if (tiles < 2 * production.SplitKTargetGroups)
            for (int splits = 1; splits <= 16 && k / splits >= MinimumSweptDepth; splits++)
                ok &= gpu.WithGemmTuning(production with { LargeTileMinimum = 1, ForcedSplits = splits }, () =>
                {
                    int depth = gpu.SplitDepth(tiles, k), slices = GpuBackend.Slices(k, depth);
                    return Report(4, $"split-K forced: {slices} x {(depth == 0 ? k : depth)} deep, {tiles * slices} groups", gpu, data, 2,
                        expected, flops, 0, repeat, MatMul);
                });
        if (gpu.Accelerator is CudaAccelerator cuda)
        {
            try
            {
                using var blas = new CuBlas(cuda);
                blas.Stream = (CudaStream)cuda.DefaultStream;
                // Row-major c = a·b is column-major cᵀ = bᵀ·aᵀ.
                ok &= Report(0, "cuBLAS sgemm (reference)", gpu, data, 2, expected, flops, 0, repeat,
                    () => blas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose, n, m, k, 1f, data.View(1), n, data.View(0), k,
                        0f, data.View(2), n));
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CuBlasException)
            {
                Console.WriteLine($"  cuBLAS unavailable: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
        }
        return ok;
    }

    // ---- LayerNorm and softmax over rows ----

    private static bool LayerNorm(GpuBackend gpu, CpuBackend cpu, (int Rows, int Cols) s, int repeat)
    {
        var (rows, cols) = s;
        using var data = new Operands(gpu, [(rows, cols), (1, cols), (1, cols), (rows, cols), (1, rows), (1, rows)]);
        using var expected = Tensor.Zeros(rows, cols);
        using var mean = Tensor.Zeros(rows);
        using var rstd = Tensor.Zeros(rows);
        var gamma = data.Host[1].Reshape(cols);
        var beta = data.Host[2].Reshape(cols);
        cpu.LayerNorm(data.Host[0], gamma, beta, 1e-12f, expected, mean, rstd);
        double bytes = 2.0 * rows * cols * 4;
        Console.WriteLine($"layernorm {rows}x{cols}");
        var naive = gpu.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(
            NaiveKernels.LayerNorm);
        bool ok = Report(1, "one thread per row", gpu, data, 3, expected, 0, bytes, repeat,
            () => naive(rows, data.View(0), data.View(1), data.View(2), data.View(3), rows, cols, 1e-12f));
        var dGamma = data.Device[1].Reshape(cols);
        var dBeta = data.Device[2].Reshape(cols);
        var dMean = data.Device[4].Reshape(rows);
        var dRstd = data.Device[5].Reshape(rows);
        ok &= Report(2, "one warp per row, shuffle sums", gpu, data, 3, expected, 0, bytes, repeat,
            () => gpu.LayerNorm(data.Device[0], dGamma, dBeta, 1e-12f, data.Device[3], dMean, dRstd));
        return ok;
    }

    private static bool Softmax(GpuBackend gpu, CpuBackend cpu, (int Rows, int Cols) s, int repeat)
    {
        var (rows, cols) = s;
        using var data = new Operands(gpu, [(rows, cols), (rows, cols)]);
        using var expected = Tensor.Zeros(rows, cols);
        cpu.Softmax(data.Host[0], expected);
        double bytes = 2.0 * rows * cols * 4;
        Console.WriteLine($"softmax {rows}x{cols}");
        var naive = gpu.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(NaiveKernels.Softmax);
        bool ok = Report(1, "one thread per row", gpu, data, 1, expected, 0, bytes, repeat,
            () => naive(rows, data.View(0), data.View(1), rows, cols));
        ok &= Report(2, "one warp per row, shuffle max and sum", gpu, data, 1, expected, 0, bytes, repeat,
            () => gpu.Softmax(data.Device[0], data.Device[1]));
        return ok;
    }

    // ---- column reductions: the bias gradient and LayerNorm's backward ----

    /// <summary>dbias [cols] = Σ_r dy [rows, cols].</summary>
    private static bool ColumnSum(GpuBackend gpu, CpuBackend cpu, (int Rows, int Cols) s, int repeat)
    {
        var (rows, cols) = s;
        using var data = new Operands(gpu, [(rows, cols), (1, cols)]);
        using var expected = Tensor.Zeros(cols);
        cpu.SumRowsInto(data.Host[0], expected);
        double bytes = (double)rows * cols * 4;
        Console.WriteLine($"column sum (bias gradient) {rows}x{cols}");
        var naive = gpu.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(NaiveKernels.ColumnSums);
        bool ok = Report(1, "one thread per column", gpu, data, 1, expected, 0, bytes, repeat,
            () => naive(cols, data.View(0), data.View(1), rows, cols));
        var dbias = data.Device[1].Reshape(cols);
        ok &= Report(2, "two-stage: 64-row chunks, then the chunks", gpu, data, 1, expected, 0, bytes, repeat,
            () => gpu.SumRowsInto(data.Device[0], dbias));
        return ok;
    }

    /// <summary>LayerNorm backward: dy, x, dx [rows, cols]; gamma, dgamma, dbeta [cols]; mean, rstd [rows] from the forward.
    /// GB/s counts dy and x read once (and dx read and written for the full backward).</summary>
    private static bool LayerNormBackward(GpuBackend gpu, CpuBackend cpu, (int Rows, int Cols) s, int repeat)
    {
        var (rows, cols) = s;
        using var data = new Operands(gpu, [(rows, cols), (rows, cols), (1, cols), (1, rows), (1, rows), (rows, cols), (1, cols), (1, cols)]);
        var (x, dy, gamma, mean, rstd) = (data.Host[0], data.Host[1], data.Host[2].Reshape(cols), data.Host[3].Reshape(rows),
            data.Host[4].Reshape(rows));
        using (var y = Tensor.Zeros(rows, cols))
        using (var beta = Tensor.Zeros(cols))
            cpu.LayerNorm(x, gamma, beta, 1e-12f, y, mean, rstd);
        gpu.Upload(mean.Span, data.Device[3]);
        gpu.Upload(rstd.Span, data.Device[4]);
        using var dx = Tensor.Zeros(rows, cols);
        using var dgamma = Tensor.Zeros(cols);
        using var dbeta = Tensor.Zeros(cols);
        cpu.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        double paramBytes = 2.0 * rows * cols * 4;
        Console.WriteLine($"layernorm backward {rows}x{cols}");
        var naive = gpu.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int, int>(NaiveKernels.LayerNormParamGrads);
        bool ok = Report(1, "dgamma, dbeta: one thread per column", gpu, data, [6, 7], [dgamma, dbeta], 0, paramBytes, repeat,
            () => naive(cols, data.View(1), data.View(0), data.View(3), data.View(4), data.View(6), data.View(7), rows, cols));
        var (dGamma, dMean, dRstd, dDgamma, dDbeta) = (data.Device[2].Reshape(cols), data.Device[3].Reshape(rows), data.Device[4].Reshape(rows),
            data.Device[6].Reshape(cols), data.Device[7].Reshape(cols));
        ok &= Report(2, "dgamma, dbeta: two-stage column sums", gpu, data, [6, 7], [dgamma, dbeta], 0, paramBytes, repeat,
            () => gpu.LayerNormBackward(data.Device[1], data.Device[0], dGamma, dMean, dRstd, null, dDgamma, dDbeta));
        ok &= Report(2, "dx, dgamma, dbeta: warp per row + two-stage", gpu, data, [5, 6, 7], [dx, dgamma, dbeta], 0, 2 * paramBytes, repeat,
            () => gpu.LayerNormBackward(data.Device[1], data.Device[0], dGamma, dMean, dRstd, data.Device[5], dDgamma, dDbeta));
        return ok;
    }

    // ---- attention forward and backward: q, k, v, output, dOutput, dq, dk, dv [B, S, H·D]; logSumExp [B, H, S] ----

    private static bool Attention(GpuBackend gpu, CpuBackend cpu, (int B, int S, int H, int D) s, int repeat)
    {
        var (b, seq, heads, d) = s;
        int w = heads * d, rows = b * seq;
        using var data = new Operands(gpu, [(rows, w), (rows, w), (rows, w), (rows, w), (1, b * heads * seq), (rows, w), (rows, w), (rows, w), (rows, w)]);
        Tensor V(int i, Tensor t) => i == 4 ? t.Reshape(b, heads, seq) : t.Reshape(b, seq, w);
        Tensor H(int i) => V(i, data.Host[i]);
        Tensor D(int i) => V(i, data.Device[i]);
        using var output = Tensor.Zeros(rows, w);
        using var lse = Tensor.Zeros(b, heads, seq);
        using var dq = Tensor.Zeros(rows, w);
        using var dk = Tensor.Zeros(rows, w);
        using var dv = Tensor.Zeros(rows, w);
        float scale = 1f / MathF.Sqrt(d);
        cpu.Attention(H(0), H(1), H(2), null, heads, scale, Dropout.None, V(3, output), V(4, lse));
        cpu.AttentionBackward(H(0), H(1), H(2), null, V(3, output), V(4, lse), H(5), heads, scale, Dropout.None,
            V(6, dq), V(7, dk), V(8, dv));
        // The backward reads the forward's output and log-sum-exp: give the device the CPU's, as a training step would.
        gpu.Upload(output.Span, data.Device[3]);
        gpu.Upload(lse.Span, data.Device[4]);
        // Matmul-count flops (q·kᵀ and p·v forward; dv, dp, dq, dk backward), the same count PyTorch's unfused attention does.
        double forwardFlops = 4.0 * b * heads * seq * seq * d, backwardFlops = 8.0 * b * heads * seq * seq * d;
        Console.WriteLine($"attention B{b} S{seq} H{heads} D{d}");
        void Forward() => gpu.Attention(D(0), D(1), D(2), null, heads, scale, Dropout.None, D(3), D(4));
        void Backward() => gpu.AttentionBackward(D(0), D(1), D(2), null, D(3), D(4), D(5), heads, scale, Dropout.None, D(6), D(7), D(8));
        bool Versions(int version, string forward, string backward, string both)
        {
            bool ok = Report(version, forward, gpu, data, [3], [output], forwardFlops, 0, repeat, Forward);
            ok &= Report(version, backward, gpu, data, [6, 7, 8], [dq, dk, dv], backwardFlops, 0, repeat, Backward);
            ok &= Report(version, both, gpu, data, [6, 7, 8], [dq, dk, dv], forwardFlops + backwardFlops, 0, repeat, () =>
            {
                Forward();
                Backward();
            });
            return ok;
        }
        bool ok = Versions(2, "forward: 64x64 tiles, online softmax", "backward: 64-row tiles, probabilities rebuilt", "forward + backward");
        // v3: the same kernels with a launch bound of two resident groups per multiprocessor (at most 128 registers).
        ok &= gpu.WithAttentionBound(2, () => Versions(3, "forward, bound to 2 groups/SM (<= 128 regs)", "backward, bound to 2 groups/SM",
            "forward + backward, bound to 2 groups/SM"));
        return ok;
    }

    // ---- the whole training step: losses of consecutive MLM steps on the GPU and on the CPU ----

    private static bool Parity(GpuBackend gpu, CpuBackend cpu, string model, int batch, int seq)
    {
        const int steps = 10;
        var config = Throughput.Config(model);
        Console.WriteLine($"training parity: {steps} MLM steps, {model}, batch {batch}, seq {seq}");
        var onCpu = MlmTrainingStep.Losses(cpu, config, batch, seq, steps);
        var onGpu = MlmTrainingStep.Losses(gpu, config, batch, seq, steps);
        double worst = 0;
        for (int i = 0; i < steps; i++)
        {
            double diff = Math.Abs(onCpu[i] - onGpu[i]);
            worst = Math.Max(worst, diff);
            Console.WriteLine($"  step {i + 1,2}  cpu {onCpu[i],12:F7}  gpu {onGpu[i],12:F7}  |diff| {diff:E2}");
        }
        bool ok = worst <= Tolerance;
        Console.WriteLine($"  max |diff| {worst:E2} {(ok ? "ok" : "FAILED")} (bound {Tolerance:E0})");
        return ok;
    }

    private static bool Report(int version, string what, GpuBackend gpu, Operands data, int result, Tensor expected, double flops,
        double bytes, int repeat, Action launch) =>
        Report(version, what, gpu, data, [result], [expected], flops, bytes, repeat, launch);

    /// <summary>Runs one version once, checks each output operand <paramref name="results"/>[i] against
    /// <paramref name="expected"/>[i] (error relative to the largest expected magnitude), times it and prints a line.</summary>
    private static bool Report(int version, string what, GpuBackend gpu, Operands data, int[] results, Tensor[] expected, double flops,
        double bytes, int repeat, Action launch)
    {
        foreach (int r in results) gpu.Zero(data.Device[r]);
        launch();
        double relative = 0;
        for (int o = 0; o < results.Length; o++)
        {
            var actual = new float[expected[o].Count];
            gpu.Download(data.Device[results[o]], actual);
            double scale = 1e-6, worst = 0;
            var e = expected[o].Span;
            for (int i = 0; i < actual.Length; i++)
            {
                scale = Math.Max(scale, Math.Abs(e[i]));
                worst = Math.Max(worst, double.IsNaN(actual[i]) ? double.PositiveInfinity : Math.Abs(actual[i] - e[i]));
            }
            relative = Math.Max(relative, worst / scale);
        }
        bool ok = relative <= Tolerance;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeat; i++) launch();
        gpu.Synchronize();
        double seconds = clock.Elapsed.TotalSeconds / repeat;
        string rate = flops > 0 ? $"{flops / seconds / 1e9,9:F1} GFLOP/s" : $"{bytes / seconds / 1e9,9:F1} GB/s";
        Console.WriteLine($"  v{version} {what,-48} {seconds * 1e3,10:F3} ms {rate}  max error {relative:E1} of max {(ok ? "ok" : "FAILED")}");
        return ok;
    }

    /// <summary>Random host matrices and their device copies.</summary>
    private sealed class Operands : IDisposable
    {
        public Operands(GpuBackend gpu, (int Rows, int Cols)[] shapes)
        {
            var random = new Random(1);
            Host = shapes.Select(s => Tensor.Zeros(s.Rows, s.Cols)).ToArray();
            foreach (var t in Host)
                foreach (ref var v in t.Span) v = (float)(random.NextDouble() * 2 - 1);
            Device = Host.Select(gpu.ToDevice).ToArray();
            _gpu = gpu;
        }

        private readonly GpuBackend _gpu;
        public Tensor[] Host { get; }
        public Tensor[] Device { get; }

        /// <summary>The raw device view of operand i (for the workbench's own kernels and cuBLAS).</summary>
        public ArrayView<float> View(int i) => _gpu.View(Device[i]);

        public void Dispose()
        {
            foreach (var t in Host.Concat(Device)) t.Dispose();
        }
    }
}
