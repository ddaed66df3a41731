using BertCore.Backends.Gpu;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>A fact that runs only where a CUDA device works; elsewhere it is skipped with the reason (no driver,
/// no device, or the device failing to open).</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_skip = new(Probe);

    public CudaFactAttribute()
    {
        if (s_skip.Value is { } reason) Skip = reason;
    }

    private static string? Probe()
    {
        try
        {
            using var backend = GpuBackend.CreateCuda();
            return null;
        }
        catch (GpuUnavailableException e)
        {
            return $"no CUDA device: {e.Message}";
        }
    }
}
