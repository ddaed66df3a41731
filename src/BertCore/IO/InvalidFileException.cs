namespace BertCore.IO;

/// <summary>
/// A file (weights, config, vocabulary, data) that cannot be used as it is. The message names the file, the line
/// when one is known, and the problem: "path:line: problem" or "path: problem".
/// </summary>
public sealed class InvalidFileException : Exception
{
    /// <summary>A problem found in <paramref name="path"/>, at <paramref name="line"/> (1-based) when known.</summary>
    public InvalidFileException(string path, int? line, string problem)
        : this(path, line, problem, null)
    {
    }

    /// <summary>A problem found in <paramref name="path"/>, caused by <paramref name="inner"/>.</summary>
    public InvalidFileException(string path, int? line, string problem, Exception? inner)
        : base(line is int l ? $"{path}:{l}: {problem}" : $"{path}: {problem}", inner)
    {
        Path = path;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file that has the problem.</summary>
    public string Path { get; }

    /// <summary>The 1-based line of the problem, when known.</summary>
    public int? Line { get; }

    /// <summary>What is wrong, without the file and line.</summary>
    public string Problem { get; }
}
