using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>The GPU backend on a real CUDA device (skipped, with the reason, where there is none): the self-test GEMM and
/// the training-step parity of <see cref="GpuTrainingTests"/>.</summary>
public class CudaTests
{
    [CudaFact]
    public void Self_test_passes_on_cuda()
    {
        using var gpu = GpuBackend.CreateCuda();
        Assert.Null(GpuDevices.Check(gpu));
    }

    [CudaFact]
    public void Training_step_on_cuda_matches_the_cpu_backend()
    {
        using var gpu = GpuBackend.CreateCuda();
        GpuTrainingTests.AssertSame(GpuTrainingTests.Train(new CpuBackend(1)), GpuTrainingTests.Train(gpu, m => gpu.MoveToDevice(m.Parameters())));
    }
}
