using System.CommandLine;
using BertCore.Backends.Gpu;

namespace BertCore.Cli.Commands;

/// <summary>`bertcore devices`: the accelerators ILGPU finds and whether each passes a quick self-test.</summary>
public sealed class DevicesCommand : ICommand
{
    private readonly Option<bool> _simulator =
        CliOption.Flag("--simulator", "also ILGPU's CPU accelerator, the GPU simulator the tests use (slow; not a --device choice)");

    public string Summary => "list the GPUs ILGPU finds (name, memory, compute capability, warp size) and self-test each";

    public string Notes => """
            One line per accelerator: its --device name, name, memory, compute capability, warp size, and whether it
            passes a self-test (load every kernel, then a small GEMM with bias checked against the host). CUDA devices
            need only the NVIDIA driver (ILGPU emits PTX; no CUDA toolkit).
        """;

    public Command Create()
    {
        var command = new Command("devices", Summary) { _simulator };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        bool simulator = parse.GetValue(_simulator);
        if (!GpuDevices.DriverPresent(out string library))
            Console.WriteLine($"cuda       none: no NVIDIA driver ({library} could not be loaded)");
        var devices = GpuDevices.List(simulator);
        if (devices.All(d => d.Kind != "cuda") && GpuDevices.DriverPresent(out _))
            Console.WriteLine("cuda       none: the NVIDIA driver reports no CUDA device");
        foreach (var d in devices)
        {
            string id = d.Kind == "cuda" ? $"cuda:{d.Index}" : "simulator";
            string memory = d.MemoryBytes > 0 ? $"{d.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB" : "host";
            string test = d.Passed ? "self-test passed" : $"self-test FAILED: {d.SelfTestFailure}";
            Console.WriteLine($"{id,-10} {d.Name}  memory {memory}  compute {d.ComputeCapability}  warp {d.WarpSize}  {test}");
        }
        return 0;
    }
}
