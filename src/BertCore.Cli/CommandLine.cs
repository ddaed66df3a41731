using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;
using BertCore.Cli.Commands;
using BertCore.IO;

namespace BertCore.Cli;

/// <summary>Dispatches `bertcore VERB ...` to the verb's handler through System.CommandLine (typed options, generated
/// help, completions through the [suggest] directive). Each verb is a thin layer over the library.</summary>
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
        new ImportanceCommand(),
        new FinetuneCommand(),
        new DistillCommand(),
        new EvaluateCommand(),
        new PredictCommand(),
        new EmbedCommand(),
        new IndexCommand(),
        new SearchCommand(),
        new ExportOnnxCommand(),
        new DemoCommand(),
        new BenchCommand(),
        new SelfCheckCommand(),
        new DevicesCommand(),
    ];

    /// <summary>Runs the command line; returns the exit code: 0 done, 1 failed (bad input file, I/O), 2 usage error,
    /// 130 stopped by Ctrl+C.</summary>
    public static int Run(string[] args)
    {
        if (args is ["--version"])
        {
            Console.WriteLine("bertcore " + Version);
            return 0;
        }
        var root = Root();
        var parse = root.Parse(args.Length == 0 || args is ["help"] ? ["--help"] : args);
        var verb = parse.CommandResult.Command;
        if (parse.Action is ParseErrorAction)
        {
            Console.Error.WriteLine(verb == root
                ? args[0].StartsWith('-') ? $"bertcore: {Sentence(parse.Errors[0].Message)}. Run `bertcore --help`."
                    : $"bertcore: unknown command '{args[0]}'. Run `bertcore --help` for the list."
                : $"bertcore {verb.Name}: {Sentence(parse.Errors[0].Message)}. Run `bertcore {verb.Name} --help`.");
            return 2;
        }
        try
        {
            int code = parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
            return args.Length == 0 ? 1 : code;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"bertcore {verb.Name}: {e.Message}. Run `bertcore {verb.Name} --help`.");
            return 2;
        }
        catch (Exception e) when (e is InvalidFileException or IOException or ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"bertcore {verb.Name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>The root command with every verb, each described by its one-line summary.</summary>
    public static RootCommand Root()
    {
        var root = new RootCommand($"bertcore {Version} — a from-scratch BERT engine for .NET. Run `bertcore VERB --help` for a verb's options.");
        var notes = new Dictionary<Command, string>();
        foreach (var verb in Commands)
        {
            var command = verb.Create();
            notes[command] = verb.Notes;
            root.Add(command);
        }
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new VerbHelpAction(help.Action!, notes);
        return root;
    }

    public static string Version =>
        typeof(BertCore.Tensors.Tensor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "unknown";

    /// <summary>A library message without its closing full stop, to go inside ours.</summary>
    private static string Sentence(string message) => message.TrimEnd('.');
}
