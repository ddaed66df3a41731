namespace BertCore.Cli;

/// <summary>A usage error found after parsing (options that exclude each other, a value out of range): printed with
/// the command's help hint, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
