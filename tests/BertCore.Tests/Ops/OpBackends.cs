using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.Backends.Reference;
using BertCore.Tests.Gpu;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// The backends every conformance test runs on, by name (the theory rows): the reference itself (its forward against
/// its double-precision functions, its backward against their finite differences), the CPU backend, the GPU backend on
/// ILGPU's CPU accelerator (the collection's shared <see cref="SimulatorFixture"/>), and a CUDA device when one works
/// (as <see cref="CudaFactAttribute"/> finds out; without one the row is not listed).
/// </summary>
public static class OpBackends
{
    public const string Reference = "reference", Cpu = "cpu", Simulator = "gpu-simulator", Cuda = "cuda";

    private static readonly ReferenceBackend s_reference = new();
    private static readonly CpuBackend s_cpu = new();
    private static readonly Lazy<GpuBackend?> s_cuda = new(OpenCuda);

    /// <summary>Every backend available here, one theory row each.</summary>
    public static TheoryData<string> All => new(Names());

    private static IEnumerable<string> Names() => s_cuda.Value != null ? [Reference, Cpu, Simulator, Cuda] : [Reference, Cpu, Simulator];

    /// <summary>Every backend crossed with every case: rows (backend name, case arguments...).</summary>
    public static IEnumerable<object[]> Cross(IEnumerable<object[]> cases)
    {
        var list = cases.ToList();
        foreach (var name in Names())
            foreach (var c in list)
                yield return [name, .. c];
    }

    /// <summary>The backend named <paramref name="name"/>; the simulator is the collection's shared one.</summary>
    public static IBackend Get(string name, SimulatorFixture simulator) => name switch
    {
        Reference => s_reference,
        Cpu => s_cpu,
        Simulator => simulator.Backend,
        Cuda => s_cuda.Value ?? throw new InvalidOperationException("no CUDA device"),
        _ => throw new ArgumentException($"no backend named {name}"),
    };

    private static GpuBackend? OpenCuda()
    {
        try
        {
            return GpuBackend.CreateCuda();
        }
        catch (GpuUnavailableException)
        {
            return null;
        }
    }
}
