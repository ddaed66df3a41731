namespace BertCore.Backends.Gpu;

/// <summary>No usable GPU: the message names the cause (no driver, no device, PTX/driver mismatch, out of memory).
/// An InvalidOperationException, so the CLI reports it as a one-line error with exit code 1.</summary>
public sealed class GpuUnavailableException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
