using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;

namespace BertCore.Cli;

/// <summary>The <c>--device</c> option of the training and inference verbs.</summary>
public static class Devices
{
    /// <summary>The backend named by <c>--device</c>: "cpu" (with <paramref name="threads"/> threads, 0 = all cores) or
    /// "cuda" / "cuda:N" (the GPU backend on CUDA device N, default 0), or "simulator" (the GPU backend on ILGPU's CPU
    /// accelerator: very slow, for testing the GPU path without a GPU). A CUDA device that does not work is a
    /// <see cref="GpuUnavailableException"/> naming the cause — never a silent fall-back to the CPU.</summary>
    public static IBackend Create(string device, int threads = 0) => device switch
    {
        "cpu" => new CpuBackend(threads),
        "cuda" => GpuBackend.CreateCuda(0),
        "simulator" => GpuBackend.CreateSimulator(),
        _ when device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out int index) => GpuBackend.CreateCuda(index),
        _ => throw new UsageException($"--device must be cpu, cuda, cuda:N or simulator, not '{device}'"),
    };
}
