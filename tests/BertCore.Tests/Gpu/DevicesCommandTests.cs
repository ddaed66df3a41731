using System.Text.Json;
using BertCore.Backends.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>`bertcore devices` and `--device cuda`: on a machine without a GPU the cause is named and the exit code is 1,
/// never a silent fall-back to the CPU; with a GPU the device is listed and self-tested.</summary>
public class DevicesCommandTests
{
    [Fact]
    public void Devices_names_why_cuda_is_absent_or_lists_the_devices()
    {
        var r = CliRunner.Run("devices");
        Assert.Equal(0, r.ExitCode);
        if (GpuDevices.DriverPresent(out string library))   // a CUDA host: its first device, with name, memory and a passed self-test
            Assert.Matches(@"(?m)^cuda:0 +\S.*  memory \d+\.\d GiB  compute \d+\.\d+  warp 32  self-test passed$", r.StdOut);
        else Assert.Equal($"cuda       none: no NVIDIA driver ({library} could not be loaded)", r.StdOut.Trim());
    }

    [Fact]
    public void Device_cuda_runs_or_without_a_driver_is_a_clear_error()
    {
        var r = CliRunner.Run("bench", "gemm", "--device", "cuda", "--n", "8", "--steps", "1");
        if (GpuDevices.DriverPresent(out _))   // a CUDA host runs the product and prints the bench's JSON line
        {
            Assert.True(r.ExitCode == 0, r.StdErr);
            using var json = JsonDocument.Parse(r.StdOut);
            Assert.Equal(8, json.RootElement.GetProperty("n").GetInt32());
            Assert.True(json.RootElement.GetProperty("gflops").GetDouble() > 0, r.StdOut);
            return;
        }
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--device cuda: no NVIDIA driver (libcuda.so.1 could not be loaded)", r.StdErr);
        Assert.Equal("", r.StdOut);
    }

    [Fact]
    public void Unknown_device_is_a_usage_error()
    {
        var r = CliRunner.Run("bench", "gemm", "--device", "tpu");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--device must be cpu, cuda, cuda:N or simulator, not 'tpu'", r.StdErr);
    }
}
