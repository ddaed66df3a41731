namespace BertCore.IO;

/// <summary>
/// A hook for kill tests: when the environment variable <see cref="Variable"/> names a folder (e.g.
/// <c>checkpoint-20</c>), <see cref="AtomicDirectory.Write"/> of that folder stops for good after its temporary folder
/// is filled and before the rename that completes it, so that a test can kill the process in the middle of that
/// write every time. Unset (outside such tests) it does nothing.
/// </summary>
internal static class StallHook
{
    public const string Variable = "BERTCORE_TEST_STALL_BEFORE_RENAME";

    private static readonly string? s_folderName = Environment.GetEnvironmentVariable(Variable);

    /// <summary>Blocks forever when <paramref name="final"/>'s name is the one the variable gives.</summary>
    public static void BeforeRename(string final)
    {
        if (s_folderName != null && Path.GetFileName(final) == s_folderName) Thread.Sleep(Timeout.Infinite);
    }
}
