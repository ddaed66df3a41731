using System.Collections.Concurrent;
using System.Text.Json;
using BertCore.Tests.Support;
using BertCore.Text;

namespace BertCore.Tests.Text;

/// <summary>Reads the published Hugging Face expectations in shared/data/hf_tokenizer_cases and the real vocabularies.</summary>
internal static class GoldenCases
{
    private static readonly ConcurrentDictionary<string, JsonElement> Files = new();
    private static readonly ConcurrentDictionary<(string, bool), BertTokenizer> Tokenizers = new();

    /// <summary>The root object of a case file.</summary>
    public static JsonElement File(string name) =>
        Files.GetOrAdd(name, n => JsonDocument.Parse(System.IO.File.ReadAllText(SharedData.File("hf_tokenizer_cases", n))).RootElement);

    /// <summary>Theory rows: the id of every case in <paramref name="file"/> (none when the data is absent; the theory is
    /// skipped then, or fails when the data is required).</summary>
    public static IEnumerable<object[]> Ids(string file) =>
        !SharedData.Available ? [] : File(file).GetProperty("cases").EnumerateArray().Select(c => new object[] { c.GetProperty("id").GetString()! });

    /// <summary>The case with <paramref name="id"/>.</summary>
    public static JsonElement Case(string file, string id) =>
        File(file).GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);

    /// <summary>Path of a real vocabulary, e.g. "bert-base-uncased".</summary>
    public static string VocabPath(string name) => SharedData.File("vocab", name + "-vocab.txt");

    /// <summary>A tokenizer over a real vocabulary, shared between tests (it is thread-safe).</summary>
    public static BertTokenizer Tokenizer(string vocab, bool lowercase) =>
        Tokenizers.GetOrAdd((vocab, lowercase), k => BertTokenizer.FromVocabFile(VocabPath(k.Item1), k.Item2));

    public static string[] Strings(this JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    public static int[] Ints(this JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static (int, int)[] Pairs(this JsonElement array) =>
        array.EnumerateArray().Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToArray();

    public static bool? OptionalBool(this JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
