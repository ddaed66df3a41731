using System.Text;
using System.Text.Json.Nodes;
using BertCore.Tests.Support;

namespace BertCore.Tests.Fuzzing;

/// <summary>
/// Seed files for fuzzing: fixtures of tools/reference/fixtures, text written here, and excerpts of ../shared/data
/// read at test time (left out when the folder is absent, so a fresh clone fuzzes the other seeds).
/// </summary>
internal static class SeedFiles
{
    /// <summary>The bytes of a fixture file.</summary>
    public static byte[] Fixture(params string[] parts) => File.ReadAllBytes(Fixtures.Path(parts));

    /// <summary>UTF-8 bytes of <paramref name="text"/>, without a byte-order mark.</summary>
    public static byte[] Text(string text) => new UTF8Encoding(false).GetBytes(text);

    /// <summary>The first <paramref name="lines"/> lines of a shared data file (line ends kept), or nothing when the data is absent.</summary>
    public static IEnumerable<byte[]> SharedLines(string relativePath, int lines)
    {
        if (SharedData.Root is null)
            yield break;
        byte[] bytes = File.ReadAllBytes(SharedData.File(relativePath.Split('/')));
        int end = 0;
        for (int seen = 0; end < bytes.Length && seen < lines; end++)
            if (bytes[end] == '\n') seen++;
        yield return bytes[..end];
    }

    /// <summary>
    /// A SQuAD-layout excerpt of a shared JSON file: its first article with its first <paramref name="paragraphs"/>
    /// paragraphs, or nothing when the data is absent.
    /// </summary>
    public static IEnumerable<byte[]> SharedSquad(string relativePath, int paragraphs)
    {
        if (SharedData.Root is null)
            yield break;
        var root = JsonNode.Parse(File.ReadAllBytes(SharedData.File(relativePath.Split('/'))))!.AsObject();
        var article = root["data"]![0]!.DeepClone().AsObject();
        var kept = new JsonArray(article["paragraphs"]!.AsArray().Take(paragraphs).Select(p => p!.DeepClone()).ToArray());
        article["paragraphs"] = kept;
        var excerpt = new JsonObject { ["version"] = root["version"]?.DeepClone(), ["data"] = new JsonArray(article) };
        yield return Encoding.UTF8.GetBytes(excerpt.ToJsonString(new System.Text.Json.JsonSerializerOptions
        {
            WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }));
    }

    /// <summary>The bytes a writer produced: <paramref name="write"/> writes <paramref name="name"/> in <paramref name="folder"/>.</summary>
    public static byte[] Written(string folder, string name, Action<string> write)
    {
        string path = Path.Combine(folder, name);
        write(path);
        return File.ReadAllBytes(path);
    }
}
