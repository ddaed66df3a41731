using System.Runtime.InteropServices;
using Encoding = System.Text.Encoding;
using BertCore.Tests.Text;
using BertCore.Text;

namespace BertCore.Tests.Fuzzing;

/// <summary>The tokenizer's input: any text, however broken, is tokenized without an exception.</summary>
internal static partial class FuzzTargets
{
    private static readonly Lazy<BertTokenizer[]> Tokenizers = new(() =>
    {
        var vocabulary = new Vocabulary(ToyVocab.Tokens);
        return [new BertTokenizer(vocabulary, lowercase: true), new BertTokenizer(vocabulary, lowercase: false)];
    });

    /// <summary>
    /// The file's bytes become text twice: decoded as UTF-8 (invalid bytes become U+FFFD, as a lenient reader
    /// would) and taken as raw UTF-16 code units (lone surrogates, controls, any code point). Each is encoded
    /// as a pair, split into words, and decoded back, by an uncased and a cased tokenizer. Tokenizing costs a few
    /// hundred bytes of managed memory per token (a string, its offsets, the normalized copy), and each case
    /// tokenizes its text about ten times, hence the larger memory allowance.
    /// </summary>
    private static FuzzTarget Tokenizer => new("tokenizer", "input.txt",
        _ => [SeedFiles.Text("The cat sat on the mat. Dogs running! naïve café, 博物 can't \U0001D41A\t\r\n"),
              SeedFiles.Text("Ünïcödé ÀÉÎÕÜ ﬁ ß İ ǅ \u0301\u0300 \u200B\uFEFF 🙂👍🏽 ١٢٣ 漢字かなカナ 한국어 ไทย"),
              .. SeedFiles.SharedLines("corpus/tinyshakespeare/input.txt", 40), .. SeedFiles.SharedLines("corpus/wikitext-2-raw/wiki.test.raw", 20)],
        path =>
        {
            byte[] bytes = File.ReadAllBytes(path);
            string utf8 = Encoding.UTF8.GetString(bytes);
            string utf16 = new(MemoryMarshal.Cast<byte, char>(bytes.AsSpan(0, bytes.Length & ~1)));
            foreach (BertTokenizer tokenizer in Tokenizers.Value)
            {
                var pair = tokenizer.Encode(utf16, utf8, maxLength: 96);
                _ = tokenizer.EncodeWords(utf8.Split(' '), utf16.Split('\n'), maxLength: 128);
                _ = tokenizer.Decode(pair.Ids, skipSpecialTokens: false);
            }
        },
        [],
        BytesPerInputByte: 4096,
        CiCases: 100);
}
