using System.CommandLine;
using System.CommandLine.Invocation;

namespace BertCore.Cli;

/// <summary>
/// <c>--help</c>: System.CommandLine's generated help (description, usage, every option with its default), then the
/// verb's notes (output layout, formulas, examples) that do not belong to one option.
/// </summary>
public sealed class VerbHelpAction(CommandLineAction generated, IReadOnlyDictionary<Command, string> notes) : SynchronousCommandLineAction
{
    /// <inheritdoc />
    public override bool ClearsParseErrors => true;

    /// <inheritdoc />
    public override int Invoke(ParseResult parseResult)
    {
        int code = ((SynchronousCommandLineAction)generated).Invoke(parseResult);
        if (notes.TryGetValue(parseResult.CommandResult.Command, out var text) && text.Length > 0) Console.WriteLine(text.TrimEnd() + Environment.NewLine);
        return code;
    }
}
