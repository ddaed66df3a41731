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
    public void Training_steps_on_cuda_match_the_cpu_backend()
    {
        using var gpu = GpuBackend.CreateCuda();
        var cpu = GpuTrainingTests.Train(new CpuBackend(1), 3);
        var cuda = GpuTrainingTests.Train(gpu, 3, m => gpu.MoveToDevice(m.Parameters()));
        for (int i = 0; i < cpu.Length; i++)
            Assert.True(Math.Abs(cpu[i] - cuda[i]) <= 1e-4, $"step {i}: CPU loss {cpu[i]}, CUDA loss {cuda[i]}");
    }
}
