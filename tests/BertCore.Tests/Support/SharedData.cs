using Xunit;

namespace BertCore.Tests.Support;

/// <summary>
/// Locates the real test data, <c>shared/data</c>, which lives outside the repository: next to the repository
/// root (<c>../shared/data</c>) or next to one of its ancestors (a git worktree nested deeper). Tests that need it
/// are skipped when it is absent (a fresh clone), unless <see cref="RequireVariable"/> is 1 (CI sets it in .ci/run):
/// then they run and fail, naming where the folder was looked for. A file missing from a folder that is there
/// always fails, naming the file.
/// </summary>
public static class SharedData
{
    /// <summary>The environment variable that, set to 1, turns the skip of a test whose shared data is absent into a failure.</summary>
    public const string RequireVariable = "BERTCORE_REQUIRE_SHARED";

    /// <summary>Whether <see cref="RequireVariable"/> is 1.</summary>
    public static bool Required { get; } = Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Full path of the shared data folder, or null when it is absent (a fresh clone).</summary>
    public static string? Root { get; } = Locate();

    /// <summary>Why tests that need the data are skipped.</summary>
    public static string SkipReason { get; } =
        $"../shared/data not found: looked next to the repository root ({RepositoryRoot() ?? "no BertCore.sln above " + AppContext.BaseDirectory}) and its ancestors";

    /// <summary>The skip reason of a test that needs the data: null when it runs (the folder is there, or it is
    /// <see cref="Required"/>, so that its absence fails the test).</summary>
    public static string? Skip => Root is null && !Required ? SkipReason : null;

    /// <summary>Whether theory rows can be read from the data: false when it is absent (the theory is skipped).</summary>
    /// <exception cref="InvalidOperationException">The data is absent and <see cref="Required"/>.</exception>
    public static bool Available => Root is not null || (Required ? throw Absent() : false);

    /// <summary>The shared data folder.</summary>
    /// <exception cref="InvalidOperationException">It is absent (a test not marked <see cref="SharedDataFactAttribute"/>,
    /// or <see cref="Required"/>).</exception>
    public static string Folder => Root ?? throw Absent();

    /// <summary>A file or folder inside the shared data folder.</summary>
    /// <exception cref="InvalidOperationException">The shared data folder is absent.</exception>
    /// <exception cref="FileNotFoundException">The folder is there but the path is not.</exception>
    public static string File(params string[] parts)
    {
        string path = Path.Combine([Folder, .. parts]);
        return System.IO.File.Exists(path) || Directory.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path}: missing from the shared data folder {Root}", path);
    }

    private static InvalidOperationException Absent() =>
        new(Required ? $"{RequireVariable}=1, but {SkipReason}" : SkipReason);

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

    /// <summary>The folder holding BertCore.sln above the test binaries, or null.</summary>
    internal static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "BertCore.sln")))
                return dir.FullName;
        return null;
    }
}

/// <summary>A fact that is skipped, with the reason, when <see cref="SharedData.Root"/> is absent (fails instead when <see cref="SharedData.Required"/>).</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the shared data is missing (and not <see cref="SharedData.Required"/>).</summary>
    public SharedDataFactAttribute() => Skip = SharedData.Skip;
}

/// <summary>A theory that is skipped, with the reason, when <see cref="SharedData.Root"/> is absent (fails instead when <see cref="SharedData.Required"/>).</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the shared data is missing (and not <see cref="SharedData.Required"/>).</summary>
    public SharedDataTheoryAttribute() => Skip = SharedData.Skip;
}
