using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace BertCore.Benchmarks;

/// <summary>Short in-process runs (seconds per benchmark), as measured suitable on this machine.</summary>
public sealed class QuickConfig : ManualConfig
{
    public QuickConfig()
    {
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
