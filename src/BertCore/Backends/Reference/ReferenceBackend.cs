using BertCore.Tensors;

namespace BertCore.Backends.Reference;

/// <summary>
/// The executable specification of the op set: every <see cref="IBackend"/> op as plain scalar loops in double
/// precision over host memory, written for clarity (no SIMD, no threads, no fusion tricks). The CPU and GPU
/// backends are tested against it op by op (tests/BertCore.Tests/Ops), and its static double-array functions are
/// what gradient tests differentiate numerically. Tensors are ordinary fp32 host tensors: each op reads its inputs
/// into doubles, computes in double and rounds once when it stores (a backward op adds its double result to the
/// gradient, then rounds). Each op family lives in its own ReferenceBackend.*.cs file, named as in
/// <see cref="IBackend"/>. Far too slow to train with; thread-safe (it keeps no state).
/// </summary>
public sealed partial class ReferenceBackend : IBackend
{
    /// <inheritdoc/>
    public string Name => "reference";

    /// <inheritdoc/>
    public DeviceKind Device => DeviceKind.Cpu;

    // ---- memory ----

    /// <inheritdoc/>
    public Storage Allocate(long bytes) => new CpuStorage(bytes);

    /// <inheritdoc/>
    public void Zero(Tensor t) => HostMemory.Bytes(t).Clear();

    /// <inheritdoc/>
    public void Zero(IReadOnlyList<Tensor> tensors)
    {
        foreach (var t in tensors) Zero(t);
    }

    /// <inheritdoc/>
    public void Copy(Tensor src, Tensor dst) => HostMemory.Copy(src, dst);

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<float> host, Tensor dst) => HostMemory.Upload(host, dst);

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<int> host, Tensor dst) => HostMemory.Upload(host, dst);

    /// <inheritdoc/>
    public void Download(Tensor src, Span<float> host) => HostMemory.Download(src, host);

    /// <summary>Nothing to free.</summary>
    public void Dispose() { }

    // ---- conversions between fp32 tensors and the double arrays the ops compute on ----

    /// <summary>The values of a host fp32 tensor, widened to double.</summary>
    private static double[] Read(Tensor t)
    {
        var values = new double[t.Count];
        var span = t.Span;
        for (int i = 0; i < values.Length; i++) values[i] = span[i];
        return values;
    }

    /// <summary>The values of an optional tensor, or null.</summary>
    private static double[]? ReadOptional(Tensor? t) => t == null ? null : Read(t);

    /// <summary>t = values, each rounded to fp32 once. values [t.Count].</summary>
    private static void Write(double[] values, Tensor t)
    {
        var span = t.Span;
        for (int i = 0; i < values.Length; i++) span[i] = (float)values[i];
    }

    /// <summary>t += values: each sum formed in double from t's fp32 value, then rounded once. values [t.Count].</summary>
    private static void AddTo(double[] values, Tensor t)
    {
        var span = t.Span;
        for (int i = 0; i < values.Length; i++) span[i] = (float)(span[i] + values[i]);
    }

    /// <summary><see cref="AddTo"/> when <paramref name="t"/> is given.</summary>
    private static void AddToOptional(double[] values, Tensor? t)
    {
        if (t != null) AddTo(values, t);
    }
}
