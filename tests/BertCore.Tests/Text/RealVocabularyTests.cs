using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Text;

/// <summary>Cross-checks on the real vocabularies beyond the published case files.</summary>
public class RealVocabularyTests
{
    [SharedDataFact]
    public void Hugging_face_documentation_example()
    {
        // shared/data/hf_tokenizer_cases/SOURCE.md: the HF docs encode this with bert-base-uncased as below.
        var tokenizer = GoldenCases.Tokenizer("bert-base-uncased", lowercase: true);
        Assert.Equal([101, 7592, 1010, 2026, 3899, 2003, 10140, 102], tokenizer.Encode("Hello, my dog is cute").Ids);
    }

    [SharedDataFact]
    public void Pieces_outside_the_basic_plane_match_whole_code_points()
    {
        // bert-base-chinese lists "😂" and "##👍" (grep the file); "😂👍" is one word of two surrogate pairs.
        var tokenizer = GoldenCases.Tokenizer("bert-base-chinese", lowercase: false);
        var e = tokenizer.Encode("😂👍", addSpecialTokens: false);

        Assert.Equal(["😂", "##👍"], e.Tokens);
        Assert.Equal([(0, 2), (2, 4)], e.Offsets);
        Assert.Equal([0, 0], e.WordIds);
    }
}
