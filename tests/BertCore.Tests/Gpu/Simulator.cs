using BertCore.Backends.Gpu;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>
/// One GPU backend on ILGPU's CPU accelerator (NVIDIA kind, warp size 32) for every test in the collection: loading
/// the kernels costs seconds there, and the simulator runs one launch at a time, so the GPU tests share it and run
/// one after another.
/// </summary>
public sealed class SimulatorFixture : IDisposable
{
    public GpuBackend Backend { get; } = GpuBackend.CreateSimulator();

    public void Dispose() => Backend.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SimulatorCollection : ICollectionFixture<SimulatorFixture>
{
    public const string Name = "gpu-simulator";
}
