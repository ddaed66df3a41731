namespace BertCore.Backends.Gpu;

/// <summary>No usable GPU: the message names the cause (no driver, no device, PTX/driver mismatch, out of memory).</summary>
public sealed class GpuUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
