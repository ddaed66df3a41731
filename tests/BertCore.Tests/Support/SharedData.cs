using Xunit;

namespace BertCore.Tests.Support;

/// <summary>
/// Locates the real test data, <c>shared/data</c>, which lives outside the repository: next to the repository
/// root (<c>../shared/data</c>) or next to one of its ancestors (a git worktree nested deeper).
/// </summary>
public static class SharedData
{
    /// <summary>Full path of the shared data folder, or null when it is absent (a fresh clone).</summary>
    public static string? Root { get; } = Locate();

    /// <summary>Why tests that need the data are skipped.</summary>
    public static string SkipReason { get; } =
        $"../shared/data not found: looked next to the repository root ({RepositoryRoot() ?? "no BertCore.sln above " + AppContext.BaseDirectory}) and its ancestors";

    /// <summary>A path inside the shared data folder.</summary>
    /// <exception cref="InvalidOperationException">The folder is absent (use <see cref="SharedDataFactAttribute"/>).</exception>
    public static string File(params string[] parts) =>
        Path.Combine([Root ?? throw new InvalidOperationException(SkipReason), .. parts]);

    private static string? Locate()
    {
        string? root = RepositoryRoot();
        for (var dir = root is null ? null : Directory.GetParent(root); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate))
                return candidate;
        }
        return null;
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "BertCore.sln")))
                return dir.FullName;
        return null;
    }
}

/// <summary>A fact that is skipped, with the reason, when <see cref="SharedData.Root"/> is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the shared data is missing.</summary>
    public SharedDataFactAttribute()
    {
        if (SharedData.Root is null)
            Skip = SharedData.SkipReason;
    }
}

/// <summary>A theory that is skipped, with the reason, when <see cref="SharedData.Root"/> is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the shared data is missing.</summary>
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Root is null)
            Skip = SharedData.SkipReason;
    }
}
