using System.Text.Json;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>`bertcore bench` prints the peers' JSON line (tiny sizes: this checks the interface, not speed).</summary>
public class BenchCommandTests
{
    [Theory]
    [InlineData("train")]
    [InlineData("infer")]
    public void Model_benchmarks_print_the_peer_fields(string mode)
    {
        var r = CliRunner.Run("bench", mode, "--model", "tiny", "--batch", "2", "--seq", "8", "--steps", "1");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        var root = json.RootElement;
        Assert.Equal(mode, root.GetProperty("mode").GetString());
        Assert.Equal("tiny", root.GetProperty("model").GetString());
        Assert.Equal(2, root.GetProperty("batch").GetInt32());
        Assert.Equal(8, root.GetProperty("seq").GetInt32());
        double tokens = root.GetProperty("tokens_per_s").GetDouble(), seconds = root.GetProperty("s_per_step").GetDouble();
        Assert.True(tokens > 0 && seconds > 0);
        // s_per_step is printed to 4 decimals (± 5e-5 s) and tokens_per_s to 1 (± 0.05): the exact 16 tokens / step
        // time lies within that rounding of both.
        double slack = 16 / (seconds - 5e-5) - 16 / seconds + 0.05;
        Assert.InRange(tokens, 16 / (seconds + 5e-5) - 0.05, 16 / seconds + slack);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public void Gemm_prints_gflops(string threads)
    {
        // n = 256: 34 MFLOP per product, so even a heavily loaded machine prints a figure above the 0.1 rounding step
        var r = CliRunner.Run("bench", "gemm", "--n", "256", "--steps", "2", "--threads", threads);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        Assert.Equal(256, json.RootElement.GetProperty("n").GetInt32());
        Assert.True(json.RootElement.GetProperty("gflops").GetDouble() > 0);
        Assert.False(json.RootElement.TryGetProperty("m", out _), "an n×n×n product prints the peer's fields only");
    }

    /// <summary>A layer's shape (here a weight gradient's: op(a) = aᵀ) prints its sizes and transposes beside the rate,
    /// so that lines of different shapes cannot be mixed up.</summary>
    [Fact]
    public void Gemm_of_a_rectangular_shape_prints_m_n_k_and_the_transposes()
    {
        var r = CliRunner.Run("bench", "gemm", "--m", "96", "--n", "64", "--k", "160", "--trans-a", "--steps", "1", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        var root = json.RootElement;
        Assert.Equal((96, 64, 160), (root.GetProperty("m").GetInt32(), root.GetProperty("n").GetInt32(), root.GetProperty("k").GetInt32()));
        Assert.True(root.GetProperty("trans_a").GetBoolean());
        Assert.False(root.GetProperty("trans_b").GetBoolean());
        Assert.True(root.GetProperty("gflops").GetDouble() > 0);
    }

    [Fact]
    public void A_non_positive_size_is_a_usage_error()
    {
        var r = CliRunner.Run("bench", "gemm", "--m", "8", "--k", "0");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--k must be positive, not 0", r.StdErr);
    }

    [Fact]
    public void Negative_threads_are_a_usage_error()
    {
        var r = CliRunner.Run("bench", "gemm", "--n", "64", "--threads", "-1");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--threads", r.StdErr);
    }

    [Fact]
    public void Cuda_runs_or_is_refused_with_a_reason_not_silently_replaced()
    {
        var r = CliRunner.Run("bench", "infer", "--model", "tiny", "--device", "cuda", "--batch", "2", "--seq", "8", "--steps", "1");
        if (BertCore.Backends.Gpu.GpuDevices.DriverPresent(out _))   // a CUDA host runs the bench and prints its JSON line
        {
            Assert.True(r.ExitCode == 0, r.StdErr);
            using var json = JsonDocument.Parse(r.StdOut);
            Assert.Equal("infer", json.RootElement.GetProperty("mode").GetString());
            Assert.True(json.RootElement.GetProperty("tokens_per_s").GetDouble() > 0, r.StdOut);
            return;
        }
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--device cuda: no NVIDIA driver", r.StdErr);
    }
}
