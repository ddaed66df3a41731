using System.Runtime.InteropServices;
using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace BertCore.Backends.Gpu;

/// <summary>One accelerator ILGPU found, with the outcome of a quick self-test (null when it passed).</summary>
public sealed record GpuDeviceInfo(string Kind, int Index, string Name, long MemoryBytes, string ComputeCapability, int WarpSize, string? SelfTestFailure)
{
    public bool Passed => SelfTestFailure == null;
}

/// <summary>Finds CUDA devices and opens them, naming the cause when none works. No CUDA toolkit is needed: ILGPU
/// emits PTX and the driver (libcuda) compiles it.</summary>
public static class GpuDevices
{
    /// <summary>Every CUDA device, each self-tested; with <paramref name="simulator"/> also ILGPU's CPU accelerator (the
    /// simulator the tests use; its self-test loads every kernel there, a few seconds).</summary>
    public static IReadOnlyList<GpuDeviceInfo> List(bool simulator = false)
    {
        var list = new List<GpuDeviceInfo>();
        if (DriverPresent(out _))
        {
            using var context = Context.Create(b => b.Cuda());
            var devices = context.GetCudaDevices();
            for (int i = 0; i < devices.Count; i++)
            {
                var d = devices[i];
                list.Add(new GpuDeviceInfo("cuda", i, d.Name, d.MemorySize, $"{d.Architecture?.Major}.{d.Architecture?.Minor}", d.WarpSize,
                    SelfTest(() => OpenCuda(i))));
            }
        }
        if (simulator)
            list.Add(new GpuDeviceInfo("simulator", 0, "ILGPU CPU accelerator (NVIDIA kind)", 0, "-", 32, SelfTest(GpuBackend.CreateSimulator)));
        return list;
    }

    /// <summary>A backend on CUDA device <paramref name="index"/>, or a <see cref="GpuUnavailableException"/> that names the cause.</summary>
    public static GpuBackend OpenCuda(int index)
    {
        if (!DriverPresent(out string library))
            throw new GpuUnavailableException($"--device cuda: no NVIDIA driver ({library} could not be loaded)");
        var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        try
        {
            var devices = context.GetCudaDevices();
            if (devices.Count == 0)
                throw new GpuUnavailableException("--device cuda: the NVIDIA driver is loaded but reports no CUDA device");
            if (index < 0 || index >= devices.Count)
                throw new GpuUnavailableException($"--device cuda: device {index} does not exist ({devices.Count} found)");
            Accelerator accelerator;
            try
            {
                accelerator = devices[index].CreateAccelerator(context);
            }
            catch (Exception e)
            {
                throw new GpuUnavailableException($"--device cuda: device {index} ({devices[index].Name}) did not open: {e.Message}", e);
            }
            return GpuBackend.Create(context, accelerator, $"cuda:{index} {devices[index].Name}");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Whether the CUDA driver library loads (libcuda.so.1 on Linux, nvcuda.dll on Windows).</summary>
    public static bool DriverPresent(out string library)
    {
        library = OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";
        if (!NativeLibrary.TryLoad(library, out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>Opens a backend and checks a small GEMM with bias and GELU against a host loop; null when it passes.</summary>
    private static string? SelfTest(Func<GpuBackend> open)
    {
        try
        {
            using var backend = open();
            return Check(backend);
        }
        catch (Exception e)
        {
            return e.Message;
        }
    }

    /// <summary>c = a·b + bias [5, 3] with a [5, 4], b [4, 3], against a double loop; null when within 1e-5.</summary>
    internal static string? Check(GpuBackend backend)
    {
        const int m = 5, n = 3, k = 4;
        float[] a = [.. Enumerable.Range(0, m * k).Select(i => (i % 7 - 3) * 0.25f)];
        float[] b = [.. Enumerable.Range(0, k * n).Select(i => (i % 5 - 2) * 0.5f)];
        float[] bias = [0.5f, -1f, 2f];
        using var ta = backend.Empty(new Shape(m, k));
        using var tb = backend.Empty(new Shape(k, n));
        using var tbias = backend.Empty(new Shape(n));
        using var tc = backend.Empty(new Shape(m, n));
        backend.Upload(a, ta);
        backend.Upload(b, tb);
        backend.Upload(bias, tbias);
        backend.MatMul(ta, false, tb, false, tc, tbias);
        var c = new float[m * n];
        backend.Download(tc, c);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double e = bias[j];
            for (int p = 0; p < k; p++) e += a[i * k + p] * (double)b[p * n + j];
            if (Math.Abs(c[i * n + j] - e) > 1e-5) return $"GEMM self-test: c[{i},{j}] = {c[i * n + j]}, expected {e}";
        }
        return null;
    }
}
