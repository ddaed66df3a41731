using System.Security.Cryptography;

namespace BertCore.IO;

/// <summary>
/// Writes a folder so that a folder under the final name is always complete: the files go into a temporary folder
/// next to it (<c>NAME.tmp-xxxxxxxxxxxx</c>, twelve hex digits), which is renamed when complete. A kill mid-write
/// leaves only the temporary folder.
/// </summary>
public static class AtomicDirectory
{
    /// <summary>
    /// Creates a temporary folder next to <paramref name="path"/>, calls <paramref name="fill"/> with its path, then
    /// replaces <paramref name="path"/> (an older folder of that name is deleted first) by it. When
    /// <paramref name="fill"/> throws, the temporary folder is deleted and the exception propagates; an
    /// <see cref="IOException"/> (e.g. a full disk) is wrapped in one whose message names <paramref name="path"/> first.
    /// </summary>
    /// <exception cref="IOException">"could not write PATH: CAUSE", the cause's exception inside.</exception>
    public static void Write(string path, Action<string> fill)
    {
        string final = Path.GetFullPath(path);
        string temporary = $"{final}.tmp-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
        Directory.CreateDirectory(temporary);
        try
        {
            fill(temporary);
        }
        catch (Exception e)
        {
            Directory.Delete(temporary, recursive: true);
            if (e is IOException) throw new IOException($"could not write {final}: {e.Message}", e);
            throw;
        }
        StallHook.BeforeRename(final);
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temporary, final);
    }
}
