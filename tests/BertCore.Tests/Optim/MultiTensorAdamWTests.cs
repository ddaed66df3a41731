using BertCore.Backends.Cpu;
using Xunit;

namespace BertCore.Tests.Optim;

/// <summary>The optimizer's multi-tensor path on the CPU backend (<see cref="OptimizerScenario"/>): the same bits as the
/// per-parameter ops, frozen parameters and their moments left as they were.</summary>
public class MultiTensorAdamWTests
{
    [Fact]
    public void The_multi_tensor_step_is_bitwise_the_per_parameter_one()
    {
        var backend = new CpuBackend(2);
        var multi = OptimizerScenario.MultiTensor(backend);
        OptimizerScenario.AssertBitwiseEqual(OptimizerScenario.PerParameter(backend, t => t), multi);
        OptimizerScenario.AssertFrozenUntouched(multi);
    }
}
