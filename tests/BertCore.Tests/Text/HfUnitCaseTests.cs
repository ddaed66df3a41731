using System.Text.Json;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Text;

/// <summary>The unit cases of transformers' tests/models/bert/test_tokenization_bert.py.</summary>
public class HfUnitCaseTests
{
    private const string FileName = "hf_transformers_bert_unit_cases.json";

    public static IEnumerable<object[]> Cases() => GoldenCases.Ids(FileName);

    [SharedDataTheory]
    [MemberData(nameof(Cases))]
    public void Case_matches_hugging_face(string id)
    {
        var c = GoldenCases.Case(FileName, id);
        var options = c.GetProperty("options");
        string text = c.GetProperty("text").GetString()!;
        switch (c.GetProperty("component").GetString())
        {
            case "BasicTokenizer":
                var basic = new BasicTokenizer(
                    lowerCase: options.OptionalBool("do_lower_case") ?? true,
                    stripAccents: options.OptionalBool("strip_accents"),
                    removeControlChars: options.OptionalBool("remove_control_chars") ?? true,
                    neverSplit: options.TryGetProperty("never_split", out var never) ? never.Strings() : null);
                Assert.Equal(c.GetProperty("expected_tokens").Strings(), basic.Tokenize(text));
                break;
            case "WordpieceTokenizer":
                var wordPiece = new WordPiece(ToyVocab(c.GetProperty("vocab").GetString()!), options.GetProperty("unk_token").GetString()!);
                Assert.Equal(c.GetProperty("expected_tokens").Strings(), wordPiece.Tokenize(text));
                break;
            case "BertTokenizer" when c.GetProperty("vocab").GetString()!.StartsWith("toy_"):
                var toy = new BertTokenizer(new Vocabulary(ToyVocab(c.GetProperty("vocab").GetString()!)), options.GetProperty("do_lower_case").GetBoolean());
                CheckToyCase(c, toy, text);
                break;
            case "BertTokenizer":
                var real = new BertTokenizer(
                    Vocabulary.Load(GoldenCases.VocabPath(c.GetProperty("vocab").GetString()!)),
                    new BasicTokenizer(tokenizeChineseChars: options.GetProperty("tokenize_chinese_chars").GetBoolean()));
                var encoding = real.Encode(text, addSpecialTokens: options.GetProperty("add_special_tokens").GetBoolean());
                Assert.Equal(c.GetProperty("expected_tokens").Strings(), encoding.Tokens);
                Assert.Equal(c.GetProperty("ids_from_vocab_lookup").Ints(), encoding.Ids);
                break;
            case "BertTokenizerFast":
                var fast = GoldenCases.Tokenizer(c.GetProperty("vocab").GetString()!, options.GetProperty("do_lower_case").GetBoolean());
                var withOffsets = fast.Encode(text, addSpecialTokens: options.GetProperty("add_special_tokens").GetBoolean());
                Assert.Equal(c.GetProperty("expected_tokens_with_special").Strings(), withOffsets.Tokens);
                Assert.Equal(c.GetProperty("expected_offsets").Pairs(), withOffsets.Offsets);
                Assert.Equal(c.GetProperty("ids_from_vocab_lookup").Ints(), withOffsets.Ids);
                break;
            default:
                Assert.Fail($"Unknown component in case {id}.");
                break;
        }
    }

    private static void CheckToyCase(JsonElement c, BertTokenizer tokenizer, string text)
    {
        bool checkedSomething = false;
        if (c.TryGetProperty("expected_tokens", out var tokens))
        {
            Assert.Equal(tokens.Strings(), tokenizer.Tokenize(text));
            checkedSomething = true;
        }
        if (c.TryGetProperty("expected_ids_no_special", out var ids))
        {
            Assert.Equal(ids.Ints(), tokenizer.Encode(text, addSpecialTokens: false).Ids);
            checkedSomething = true;
        }
        if (c.TryGetProperty("expected_decoded_no_special", out var decoded))
        {
            Assert.Equal(decoded.GetString(), tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false).Ids));
            checkedSomething = true;
        }
        Assert.True(checkedSomething, "The case has no expectation this test knows.");
    }

    public static IEnumerable<object[]> CharClassCases()
    {
        if (!SharedData.Available)
            yield break;
        foreach (var cls in GoldenCases.File(FileName).GetProperty("char_classes").EnumerateObject())
            foreach (bool expected in new[] { true, false })
                foreach (string ch in cls.Value.GetProperty(expected ? "true" : "false").Strings())
                    yield return [cls.Name, ch, expected];
    }

    [SharedDataTheory]
    [MemberData(nameof(CharClassCases))]
    public void Character_classes_match_hugging_face(string charClass, string ch, bool expected)
    {
        int cp = char.ConvertToUtf32(ch, 0);
        bool actual = charClass switch
        {
            "is_whitespace" => CharClasses.IsWhitespace(cp),
            "is_control" => CharClasses.IsControl(cp),
            "is_punctuation" => CharClasses.IsPunctuation(cp),
            _ => throw new ArgumentException(charClass),
        };
        Assert.Equal(expected, actual);
    }

    [SharedDataFact]
    public void Special_tokens_frame_single_texts_and_pairs()
    {
        var layout = GoldenCases.File(FileName).GetProperty("special_token_layout");
        var tokenizer = GoldenCases.Tokenizer(layout.GetProperty("vocab").GetString()!, lowercase: true);
        string[] texts = layout.GetProperty("texts").Strings();
        var a = tokenizer.Encode(texts[0], addSpecialTokens: false).Ids;
        var b = tokenizer.Encode(texts[1], addSpecialTokens: false).Ids;

        // The rule, with [CLS] = 101 and [SEP] = 102 in bert-base-uncased.
        Assert.Equal([101, .. a, 102], tokenizer.Encode(texts[0]).Ids);
        Assert.Equal([101, .. a, 102, .. b, 102], tokenizer.Encode(texts[0], texts[1]).Ids);
    }

    private static string[] ToyVocab(string name) =>
        GoldenCases.File(FileName).GetProperty("toy_vocabs").GetProperty(name).Strings();
}
