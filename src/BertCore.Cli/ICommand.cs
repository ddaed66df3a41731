using System.CommandLine;

namespace BertCore.Cli;

/// <summary>One <c>bertcore VERB</c>: a thin layer that declares its typed options and calls the library.</summary>
public interface ICommand
{
    /// <summary>One line for the command list of <c>bertcore --help</c>.</summary>
    string Summary { get; }

    /// <summary>Text printed after the generated option list of <c>bertcore VERB --help</c> (empty for none).</summary>
    string Notes { get; }

    /// <summary>The verb: its options (with their help), and the action that runs it and returns the exit code.</summary>
    Command Create();
}
