using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Text;

/// <summary>Full runs over bert-base-uncased/cased, as asserted by the transformers.js suite.</summary>
public class TransformersJsCaseTests
{
    private const string FileName = "transformersjs_bert_cases.json";

    public static IEnumerable<object[]> Cases() => GoldenCases.Ids(FileName);

    [SharedDataTheory]
    [MemberData(nameof(Cases))]
    public void Tokens_ids_and_decoding_match_hugging_face(string id)
    {
        var c = GoldenCases.Case(FileName, id);
        var tokenizer = GoldenCases.Tokenizer(c.GetProperty("vocab").GetString()!, c.GetProperty("do_lower_case").GetBoolean());
        string text = c.GetProperty("text").GetString()!;

        Assert.Equal(c.GetProperty("expected_tokens").Strings(), tokenizer.Tokenize(text));
        var encoding = tokenizer.Encode(text);
        Assert.Equal(c.GetProperty("expected_ids").Ints(), encoding.Ids);
        Assert.Equal(c.GetProperty("expected_decoded").GetString(), tokenizer.Decode(encoding.Ids, skipSpecialTokens: false));
    }

    [SharedDataTheory]
    [MemberData(nameof(Cases))]
    public void Offsets_cover_the_tokens_source_text(string id)
    {
        var c = GoldenCases.Case(FileName, id);
        bool lowercase = c.GetProperty("do_lower_case").GetBoolean();
        var tokenizer = GoldenCases.Tokenizer(c.GetProperty("vocab").GetString()!, lowercase);
        string text = c.GetProperty("text").GetString()!;

        var encoding = tokenizer.Encode(text, addSpecialTokens: false);
        for (int i = 0; i < encoding.Length; i++)
        {
            (int start, int end) = encoding.Offsets[i];
            string source = text[start..end];
            string token = encoding.Tokens[i].StartsWith("##") ? encoding.Tokens[i][2..] : encoding.Tokens[i];
            if (token == "[UNK]")
                continue;
            // Without accents and case, the original slice spells the token (the cases hold only precomposed accents).
            Assert.Equal(token, Fold(source, lowercase), StringComparer.Ordinal);
        }
    }

    private static string Fold(string text, bool lowercase)
    {
        if (!lowercase)
            return text;
        var decomposed = text.Normalize(System.Text.NormalizationForm.FormD)
            .Where(ch => System.Globalization.CharUnicodeInfo.GetUnicodeCategory(ch) != System.Globalization.UnicodeCategory.NonSpacingMark);
        return new string(decomposed.ToArray()).ToLowerInvariant();
    }
}
