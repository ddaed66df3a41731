using System.Globalization;
using System.Text.Json;
using BertCore.Backends.Cpu;
using BertCore.Tests.Support;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

public class DeterminismTests
{
    [Fact]
    public void Same_seed_gives_bitwise_identical_training_in_one_process()
    {
        var a = SelfCheck.Run(new CpuBackend(), seed: 3);
        var b = SelfCheck.Run(new CpuBackend(), seed: 3);
        Assert.Equal(a.Losses, b.Losses);
        Assert.Equal(a.WeightsSha256, b.WeightsSha256);
        var other = SelfCheck.Run(new CpuBackend(), seed: 4);
        Assert.NotEqual(a.WeightsSha256, other.WeightsSha256);
        Assert.True(a.Losses[^1] < a.Losses[0], $"loss did not fall: {string.Join(", ", a.Losses)}");
    }

    [Fact]
    public void Same_seed_gives_bitwise_identical_training_across_processes()
    {
        var inProcess = SelfCheck.Run(new CpuBackend(), seed: 5);
        for (int run = 0; run < 2; run++)
        {
            var r = CliRunner.Run("selfcheck", "--seed", "5");
            Assert.True(r.ExitCode == 0, r.StdErr);
            using var json = JsonDocument.Parse(r.StdOut);
            var losses = json.RootElement.GetProperty("losses").EnumerateArray()
                .Select(e => float.Parse(e.GetString()!, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(inProcess.Losses, losses);
            Assert.Equal(inProcess.WeightsSha256, json.RootElement.GetProperty("weights_sha256").GetString());
        }
    }
}
