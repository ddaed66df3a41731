using System.Security.Cryptography;

namespace BertCore.IO;

/// <summary>
/// Writes a file so that readers see either the old contents or the complete new ones, never a partial file:
/// the data goes to a temporary file in the same folder, is flushed to disk, and then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Calls <paramref name="write"/> with a stream to a temporary file next to <paramref name="path"/>; when it
    /// returns, flushes the file to disk and moves it over <paramref name="path"/>. When <paramref name="write"/>
    /// throws, the temporary file is deleted, the target is left as it was, and the exception propagates.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string target = System.IO.Path.GetFullPath(path);
        string temporary = $"{target}.tmp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }
    }

    /// <summary>Best-effort removal of the temporary file; the original exception is the one worth reporting.</summary>
    private static void DeleteQuietly(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
