using BertCore.Backends;
using BertCore.Backends.Cpu;

namespace BertCore.Cli;

/// <summary>The <c>--device</c> option of the training and inference verbs.</summary>
public static class Devices
{
    /// <summary>The backend named by <c>--device</c>: "cpu" (with <paramref name="threads"/> threads, 0 = all cores);
    /// "cuda" fails with a clear message — never a silent fall-back (no GPU backend in this build).</summary>
    public static IBackend Create(string device, int threads = 0) => device switch
    {
        "cpu" => new CpuBackend(threads),
        "cuda" => throw new InvalidOperationException("--device cuda: the GPU backend is not available yet in this build; run with --device cpu"),
        _ => throw new UsageException($"--device must be cpu or cuda, not '{device}'"),
    };
}
