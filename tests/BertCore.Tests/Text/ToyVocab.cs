using BertCore.Text;

namespace BertCore.Tests.Text;

/// <summary>A small hand-written vocabulary; expected ids in the tests are line indices of this list.</summary>
internal static class ToyVocab
{
    public static readonly string[] Tokens =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",      // 0-4
        "the", "cat", "sat", "on", "mat",                  // 5-9
        "dog", "##s", "run", "##ning", ".",                // 10-14
        ",", "!", "?", "'", "hello",                       // 15-19
        "world", "cafe", "na", "##ive", "博",              // 20-24
        "物", "can", "t", "a", "##a",                      // 25-29
        "\U0001D41A", "##\U0001D41A", "Cat",               // 30-32
    ];

    public static int Id(string token) => Array.IndexOf(Tokens, token);

    public static BertTokenizer Tokenizer(bool lowercase = true) => new(new Vocabulary(Tokens), lowercase);
}
