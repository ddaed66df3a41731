using BertCore.IO;
using BertCore.IO.PyTorch;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.IO.PyTorch;

/// <summary>
/// Damaged copies of the PyTorch-written fp32 checkpoint (40 KB): every 211th truncation length and every 97th byte
/// inverted, about 610 files. Each either opens and reads every tensor or is refused with the documented
/// exceptions (InvalidFileException; NotSupportedException for a rank BertCore has no tensors of); any other
/// exception is a failure, and every truncation must be refused (it cuts off the zip's central directory). An
/// inverted byte inside tensor data is not detectable (the zip's CRC-32 is not checked on read) and reads as a
/// different value. (The fuzzing of issue 22 goes further; this is the reader's own floor.)
/// </summary>
public class DamagedCheckpointTests
{
    [Fact]
    public void A_damaged_checkpoint_reads_or_is_refused_with_a_documented_exception()
    {
        var original = File.ReadAllBytes(Fixtures.Path("torch", "fp32", "pytorch_model.bin"));
        var cases = new List<(string Label, byte[] Bytes)>();
        for (int n = 0; n < original.Length; n += 211) cases.Add(($"truncated to {n} bytes", original[..n]));
        int truncations = cases.Count;
        for (int at = 0; at < original.Length; at += 97)
        {
            var bytes = (byte[])original.Clone();
            bytes[at] ^= 0xFF;
            cases.Add(($"byte {at} inverted", bytes));
        }
        using var folder = new TempFolder();
        string path = folder.File("pytorch_model.bin");
        var failures = new List<string>();
        var readable = new List<string>();
        foreach (var (label, bytes) in cases)
        {
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = TorchStateDict.Open(path);
                foreach (var name in file.Names) file.Read(name).Dispose();
                readable.Add(label);
            }
            catch (Exception e) when (e is InvalidFileException or NotSupportedException)
            {
                // refused, as documented
            }
            catch (Exception e)
            {
                failures.Add($"{label}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.Empty(failures);
        Assert.DoesNotContain(readable, label => label.StartsWith("truncated", StringComparison.Ordinal));
        Assert.InRange(truncations, 190, 200);
        Assert.InRange(readable.Count, 1, cases.Count - truncations);   // damaged tensor bytes still read
    }
}
