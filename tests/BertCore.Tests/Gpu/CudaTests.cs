using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.Diagnostics;
using BertCore.Tests.Optim;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>The GPU backend on a real CUDA device (skipped, with the reason, where there is none): the self-test GEMM and
/// the training-step parity of <see cref="GpuTrainingTests"/>, ten masked-LM steps of a real-sized model, and the
/// multi-tensor optimizer step against the per-parameter kernels, the attention launch bound.</summary>
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
        GpuTrainingTests.AssertSame(GpuTrainingTests.Train(new CpuBackend(1)), GpuTrainingTests.Train(gpu, m => gpu.Adopt(m.Parameters())));
    }

    /// <summary>Ten MLM steps (forward, backward, AdamW) of the mini preset (4 layers, hidden 256, vocabulary 30522) on
    /// one batch of 8×128 random tokens: every loss within 1e-4 of the CPU backend's. The backends differ only in fp32
    /// summation order (relative 1e-6 on a loss near ln 30522 ≈ 10.3, i.e. ~1e-5 absolute), which AdamW's
    /// normalized updates do not amplify over ten steps at lr 1e-4.</summary>
    [CudaFact]
    public void Ten_mlm_steps_on_cuda_match_the_cpu_backend()
    {
        using var gpu = GpuBackend.CreateCuda();
        var config = Throughput.Config("mini");
        var cpuLosses = MlmTrainingStep.Losses(new CpuBackend(), config, batch: 8, seq: 128, steps: 10);
        var gpuLosses = MlmTrainingStep.Losses(gpu, config, batch: 8, seq: 128, steps: 10);
        for (int i = 0; i < 10; i++)
            Assert.True(Math.Abs(cpuLosses[i] - gpuLosses[i]) <= 1e-4,
                $"step {i + 1}: cpu {cpuLosses[i]:R}, cuda {gpuLosses[i]:R}");
        Assert.True(cpuLosses[9] < cpuLosses[0], "the loss should fall over ten steps on one batch");
    }

    /// <summary>The fused optimizer step (multi-tensor sums of squares and AdamW) bitwise the per-parameter kernels'
    /// on the device, as on the simulator: both AdamW kernels and both sums of squares run the same element code, so
    /// ptxas should contract their multiply-adds alike.</summary>
    [CudaFact]
    public void The_fused_optimizer_step_on_cuda_is_bitwise_the_per_parameter_kernels()
    {
        using var gpu = GpuBackend.CreateCuda();
        OptimizerScenario.AssertBitwiseEqual(OptimizerScenario.PerParameter(gpu, gpu.ToDevice), OptimizerScenario.MultiTensor(gpu));
    }

    /// <summary>The attention kernels with the launch bound the workbench compares (two resident groups per
    /// multiprocessor: ptxas gets at most 128 registers) keep the unbounded kernels' bits on the device, at BERT-base's
    /// head size over four 64-row tiles with a tail, with padding and dropout.</summary>
    [CudaFact]
    public void Bounded_attention_on_cuda_gives_the_unbounded_bits()
    {
        using var gpu = GpuBackend.CreateCuda();
        GpuAttentionTests.AssertBoundGivesSameBits(gpu, batch: 2, seq: 200, heads: 12, d: 64);
    }
}
