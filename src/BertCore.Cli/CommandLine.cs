using System.Reflection;

namespace BertCore.Cli;

/// <summary>Dispatches `bertcore VERB ...` to the verb's handler. Each verb is a thin layer over the library.</summary>
public static class CommandLine
{
    private const string Usage = """
        bertcore — a from-scratch BERT engine for .NET

        Usage: bertcore <command> [options]

        Commands:
          --help, -h       show this help
          --version        print the version

        Run `bertcore <command> --help` for a command's options.
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
        Console.Error.WriteLine($"bertcore: unknown command '{args[0]}'. Run `bertcore --help` for the list.");
        return 2;
    }

    public static string Version =>
        typeof(BertCore.Tensors.Tensor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "unknown";
}
