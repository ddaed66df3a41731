using System.Diagnostics;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace BertCore.Benchmarks.Gpu;

/// <summary>
/// The kernel workbench, after llm.c's dev/cuda: numbered versions of each kernel, each validated against the CPU
/// backend (itself tested against the scalar reference) on the same inputs, then timed (one warm-up launch, every
/// kernel loaded before timing) and reported in GFLOP/s or GB/s. Versions: 1 = <see cref="NaiveKernels"/>,
/// 2 = the production kernel of the GPU backend, 3 = cuBLAS (GEMM on CUDA only).
/// <code>dotnet run -c Release --project benchmarks/BertCore.Benchmarks -- gpu [--device cuda|simulator] [--kernel gemm|layernorm|softmax|attention|all] [--repeat N]</code>
/// On the simulator (ILGPU's CPU accelerator) sizes are tiny and the numbers only prove that the code runs.
/// </summary>
public static class GpuWorkbench
{
    private const double Tolerance = 1e-4;

    public static int Run(string[] args)
    {
        string device = Option(args, "--device") ?? "cuda", kernel = Option(args, "--kernel") ?? "all";
        int repeat = int.Parse(Option(args, "--repeat") ?? "20");
        using var gpu = device == "simulator" ? GpuBackend.CreateSimulator() : GpuBackend.CreateCuda();
        bool tiny = device == "simulator";
        Console.WriteLine($"device: {gpu.Name}");
        var cpu = new CpuBackend();
        bool ok = true;
        if (kernel is "gemm" or "all") ok &= Gemm(gpu, cpu, tiny ? (40, 48, 36) : (2048, 3072, 768), repeat);
        if (kernel is "layernorm" or "all") ok &= LayerNorm(gpu, cpu, tiny ? (9, 45) : (16384, 768), repeat);
        if (kernel is "softmax" or "all") ok &= Softmax(gpu, cpu, tiny ? (9, 45) : (16384, 512), repeat);
        if (kernel is "attention" or "all") ok &= Attention(gpu, cpu, tiny ? (1, 8, 2, 16) : (16, 128, 12, 64), repeat);
        return ok ? 0 : 1;
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
        ok &= Report(2, "64x64 tiles, 4x4 per thread, shared memory", gpu, data, 2, expected, flops, 0, repeat,
            () => gpu.MatMul(data.Device[0], false, data.Device[1], false, data.Device[2]));
        if (gpu.Accelerator is CudaAccelerator cuda)
        {
            using var blas = new CuBlas(cuda);
            blas.Stream = (CudaStream)cuda.DefaultStream;
            // Row-major c = a·b is column-major cᵀ = bᵀ·aᵀ.
            ok &= Report(3, "cuBLAS sgemm", gpu, data, 2, expected, flops, 0, repeat,
                () => blas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose, n, m, k, 1f, data.View(1), n, data.View(0), k,
                    0f, data.View(2), n));
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

    // ---- attention forward: q, k, v, output [B, S, H·D] ----

    private static bool Attention(GpuBackend gpu, CpuBackend cpu, (int B, int S, int H, int D) s, int repeat)
    {
        var (b, seq, heads, d) = s;
        int w = heads * d;
        using var data = new Operands(gpu, [(b * seq, w), (b * seq, w), (b * seq, w), (b * seq, w), (1, b * heads * seq)]);
        Tensor V(int i, Tensor t) => i == 4 ? t.Reshape(b, heads, seq) : t.Reshape(b, seq, w);
        using var expected = Tensor.Zeros(b * seq, w);
        using var lse = Tensor.Zeros(b, heads, seq);
        float scale = 1f / MathF.Sqrt(d);
        cpu.Attention(V(0, data.Host[0]), V(1, data.Host[1]), V(2, data.Host[2]), null, heads, scale, Dropout.None, V(3, expected), lse);
        double flops = 4.0 * b * heads * seq * seq * d;
        Console.WriteLine($"attention forward B{b} S{seq} H{heads} D{d}");
        return Report(2, "fused, one warp per query row, online softmax", gpu, data, 3, expected, flops, 0, repeat,
            () => gpu.Attention(V(0, data.Device[0]), V(1, data.Device[1]), V(2, data.Device[2]), null, heads, scale, Dropout.None,
                V(3, data.Device[3]), V(4, data.Device[4])));
    }

    /// <summary>Runs one version, checks output <paramref name="result"/> against <paramref name="expected"/>, times it and prints a line.</summary>
    private static bool Report(int version, string what, GpuBackend gpu, Operands data, int result, Tensor expected, double flops,
        double bytes, int repeat, Action launch)
    {
        gpu.Zero(data.Device[result]);
        launch();
        var actual = new float[expected.Count];
        gpu.Download(data.Device[result], actual);
        double scale = 1e-6, worst = 0;
        var e = expected.Span;
        for (int i = 0; i < actual.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(e[i]));
            worst = Math.Max(worst, double.IsNaN(actual[i]) ? double.PositiveInfinity : Math.Abs(actual[i] - e[i]));
        }
        bool ok = worst <= Tolerance * scale;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeat; i++) launch();
        gpu.Synchronize();
        double seconds = clock.Elapsed.TotalSeconds / repeat;
        string rate = flops > 0 ? $"{flops / seconds / 1e9,9:F1} GFLOP/s" : $"{bytes / seconds / 1e9,9:F1} GB/s";
        Console.WriteLine($"  v{version} {what,-48} {seconds * 1e3,10:F3} ms {rate}  max error {worst / scale:E1} of max {(ok ? "ok" : "FAILED")}");
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
