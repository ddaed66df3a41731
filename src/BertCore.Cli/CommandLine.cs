using System.Reflection;
using BertCore.Cli.Commands;
using BertCore.IO;

namespace BertCore.Cli;

/// <summary>Dispatches `bertcore VERB ...` to the verb's handler. Each verb is a thin layer over the library.</summary>
public static class CommandLine
{
    public static readonly IReadOnlyList<ICommand> Commands =
    [
        new ForwardCommand(),
        new InspectCommand(),
        new ImportCommand(),
        new TokenizeCommand(),
        new VocabCommand(),
        new PretrainCommand(),
        new FinetuneCommand(),
        new DistillCommand(),
        new EvaluateCommand(),
        new PredictCommand(),
        new ExportOnnxCommand(),
        new DemoCommand(),
        new BenchCommand(),
        new SelfCheckCommand(),
        new DevicesCommand(),
    ];

    private static string Usage => $"""
        bertcore {Version} — a from-scratch BERT engine for .NET

        Usage: bertcore <command> [options]

        Commands:
        {string.Join("\n", Commands.Select(c => $"  {c.Name,-12} {c.Summary}"))}

        Run `bertcore <command> --help` for a command's options; `bertcore --version` prints the version.
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 1 : 0;
        }
        if (args[0] == "--version")
        {
            Console.WriteLine("bertcore " + Version);
            return 0;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command == null)
        {
            Console.Error.WriteLine($"bertcore: unknown command '{args[0]}'. Run `bertcore --help` for the list.");
            return 2;
        }
        if (args.Skip(1).Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(command.Help);
            return 0;
        }
        try
        {
            return command.Run(new Arguments(args.Skip(1)));
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"bertcore {command.Name}: {e.Message}. Run `bertcore {command.Name} --help`.");
            return 2;
        }
        catch (Exception e) when (e is InvalidFileException or IOException or ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"bertcore {command.Name}: {e.Message}");
            return 1;
        }
    }

    public static string Version =>
        typeof(BertCore.Tensors.Tensor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "unknown";
}
