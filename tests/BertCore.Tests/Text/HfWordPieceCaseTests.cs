using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Text;

/// <summary>The pair cases of the Rust tokenizers' BertWordPieceTokenizer tests.</summary>
public class HfWordPieceCaseTests
{
    private const string FileName = "hf_tokenizers_bert_wordpiece_cases.json";

    public static IEnumerable<object[]> Cases() => GoldenCases.Ids(FileName);

    [SharedDataTheory]
    [MemberData(nameof(Cases))]
    public void Pair_encoding_matches_hugging_face(string id)
    {
        var c = GoldenCases.Case(FileName, id);
        var tokenizer = GoldenCases.Tokenizer(c.GetProperty("vocab").GetString()!, lowercase: true);

        var encoding = tokenizer.Encode(
            c.GetProperty("text").GetString()!,
            c.GetProperty("text_pair").GetString(),
            addSpecialTokens: c.GetProperty("add_special_tokens").GetBoolean());

        Assert.Equal(c.GetProperty("expected_ids").Ints(), encoding.Ids);
        Assert.Equal(c.GetProperty("expected_tokens").Strings(), encoding.Tokens);
        Assert.Equal(c.GetProperty("expected_offsets").Pairs(), encoding.Offsets);
        Assert.Equal(c.GetProperty("expected_type_ids").Ints(), encoding.TypeIds);
    }
}
