using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BertCore.Backends.Cpu;
using BertCore.Training;

namespace BertCore.Cli.Commands;

/// <summary>`bertcore selfcheck`: a short seeded training run whose output must be identical run after run.</summary>
public sealed class SelfCheckCommand : ICommand
{
    private readonly Option<int> _seed = CliOption.Int("--seed", 1, "random seed");
    private readonly Option<int> _steps = CliOption.Int("--steps", 8, "training steps");

    public string Summary => "train a tiny random BERT for a few seeded steps; prints losses and a weights digest";

    public string Notes => """
            Trains a small random BERT (MLM + NSP, dropout 0.1) on synthetic ids and prints one JSON line:
            {"seed", "steps", "losses": [...], "weights_sha256"}. The same seed must print the same line on every run
            on this machine's CPU backend; the losses should fall.
        """;

    public Command Create()
    {
        var command = new Command("selfcheck", Summary) { _seed, _steps };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        int seed = parse.GetValue(_seed), steps = parse.GetValue(_steps);
        if (steps < 1) throw new UsageException("--steps must be at least 1");
        var result = SelfCheck.Run(new CpuBackend(), seed, steps);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            seed,
            steps,
            losses = result.Losses.Select(l => l.ToString("R", CultureInfo.InvariantCulture)),
            weights_sha256 = result.WeightsSha256,
        }));
        return 0;
    }
}
