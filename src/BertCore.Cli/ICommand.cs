namespace BertCore.Cli;

/// <summary>One `bertcore VERB`: a thin layer that parses options and calls the library.</summary>
public interface ICommand
{
    string Name { get; }
    /// <summary>One line for the command list.</summary>
    string Summary { get; }
    /// <summary>The full option list, printed by `bertcore VERB --help`.</summary>
    string Help { get; }
    int Run(Arguments args);
}
