using System.Text;
using System.Text.RegularExpressions;

namespace BertCore.Tests.Architecture;

/// <summary>One reference from a source file of the engine to another of its top-level folders.</summary>
/// <param name="File">The file, relative to src/BertCore.</param>
/// <param name="From">The folder the file is in (its first path segment).</param>
/// <param name="To">The folder referred to.</param>
/// <param name="Evidence">The text that refers to it: a using directive, a fully qualified name, or a name
/// qualified relative to the BertCore namespace (<c>IO.InvalidFileException</c>).</param>
internal sealed record FolderReference(string File, string From, string To, string Evidence);

/// <summary>
/// Finds which top-level folders of src/BertCore each source file refers to, from the text: <c>using BertCore.X</c>
/// directives (static and alias ones too), fully qualified names <c>BertCore.X.…</c>, and names qualified relative
/// to the BertCore namespace (<c>X.Type</c> where X is a folder and Type a type or namespace declared in it).
/// Comments, XML documentation and string literals are left out: a doc comment may name the callers of a type.
/// A folder's namespace is BertCore.&lt;folder&gt;[.&lt;subfolder&gt;…] throughout the engine.
/// </summary>
internal static partial class SourceReferences
{
    /// <summary>Every reference between different folders among <paramref name="files"/> (path relative to
    /// src/BertCore → source text).</summary>
    public static IReadOnlyList<FolderReference> Find(IReadOnlyDictionary<string, string> files)
    {
        var code = files.ToDictionary(f => f.Key, f => WithoutCommentsAndStrings(f.Value));
        var folders = code.Keys.Select(FolderOf).ToHashSet();
        var declared = folders.ToDictionary(f => f, _ => new HashSet<string>());
        foreach (var (file, text) in code)
        {
            declared[FolderOf(file)].UnionWith(TypeDeclaration().Matches(text).Select(m => m.Groups[1].Value));
            foreach (Match ns in NamespaceDeclaration().Matches(text))
                if (ns.Groups[1].Value.Split('.') is [var folder, var sub, ..] && declared.TryGetValue(folder, out var names))
                    names.Add(sub);   // BertCore.Nn.Bert: "Nn.Bert.X" names a folder too
        }

        var references = new List<FolderReference>();
        foreach (var (file, text) in code)
        {
            string from = FolderOf(file), body = NamespaceDeclaration().Replace(text, "");
            void Add(string to, string evidence)
            {
                if (to != from && folders.Contains(to)) references.Add(new FolderReference(file, from, to, evidence));
            }
            foreach (Match m in QualifiedName().Matches(body)) Add(m.Groups[1].Value, m.Value.Trim());
            foreach (Match m in RelativeName().Matches(body))
                if (declared.TryGetValue(m.Groups[1].Value, out var names) && names.Contains(m.Groups[2].Value))
                    Add(m.Groups[1].Value, m.Value);
        }
        return references.DistinctBy(r => (r.File, r.To, r.Evidence)).ToArray();
    }

    /// <summary>The top-level folder of a path relative to src/BertCore.</summary>
    public static string FolderOf(string file) => file.Split('/', '\\')[0];

    /// <summary>The source with comments removed and the contents of string and character literals blanked
    /// (interpolated strings are kept: their holes are code).</summary>
    public static string WithoutCommentsAndStrings(string source)
    {
        var kept = new StringBuilder(source.Length);
        for (int i = 0; i < source.Length;)
        {
            if (At(source, i, "//")) i = EndOfLine(source, i);
            else if (At(source, i, "/*")) i = After(source, i + 2, "*/");
            else if (At(source, i, "\"\"\"")) { i = After(source, i + 3, "\"\"\""); kept.Append("\"\""); }
            else if (At(source, i, "@\"")) { i = AfterVerbatim(source, i + 2); kept.Append("\"\""); }
            else if (source[i] == '"' && (i == 0 || source[i - 1] != '$')) { i = AfterQuoted(source, i + 1, '"'); kept.Append("\"\""); }
            else if (source[i] == '\'' && CharLiteral().Match(source, i) is { Success: true } literal) { i += literal.Length; kept.Append("' '"); }
            else kept.Append(source[i++]);
        }
        return kept.ToString();
    }

    private static bool At(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;

    private static int EndOfLine(string s, int i) => s.IndexOf('\n', i) is var end and >= 0 ? end : s.Length;

    private static int After(string s, int i, string token) => s.IndexOf(token, i, StringComparison.Ordinal) is var end and >= 0 ? end + token.Length : s.Length;

    private static int AfterQuoted(string s, int i, char quote)
    {
        for (; i < s.Length && s[i] != quote && s[i] != '\n'; i++)
            if (s[i] == '\\') i++;
        return Math.Min(i + 1, s.Length);
    }

    private static int AfterVerbatim(string s, int i)
    {
        for (; i < s.Length; i++)
            if (s[i] == '"')
            {
                if (i + 1 < s.Length && s[i + 1] == '"') i++;
                else return i + 1;
            }
        return s.Length;
    }

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(\w+)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^\s*namespace\s+BertCore\.([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    /// <summary>BertCore.X in a using directive or a fully qualified name (X: group 1).</summary>
    [GeneratedRegex(@"(?:\busing\s+(?:static\s+)?(?:\w+\s*=\s*)?)?(?<![\w.])(?:global::)?BertCore\.(\w+)(?:\.\w+)*")]
    private static partial Regex QualifiedName();

    /// <summary>X.Y not preceded by a dot or a letter: a folder X and a type or namespace Y declared in it.</summary>
    [GeneratedRegex(@"(?<![\w.])(\w+)\.(\w+)")]
    private static partial Regex RelativeName();

    [GeneratedRegex(@"\G'(?:\\.[^']*|[^\\'])'")]
    private static partial Regex CharLiteral();
}
