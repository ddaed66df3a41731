using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.Text;
using Xunit;

namespace BertCore.Tests.Data;

public class TokenFeaturesTests
{
    private static readonly BertCore.Text.BertTokenizer Tokenizer = ToyVocab.Tokenizer();

    // "\u200B" (zero-width space) yields no token, so word 3 has none.
    private static readonly TaggedSentence Sentence =
        new(["The", "dogs", "running", "\u200B", "mat"], ["O", "B-PER", "I-PER", "O", "B-LOC"], 10);

    private static readonly LabelVocabulary Labels = LabelVocabulary.FromLabels(Sentence.Tags!); // B-LOC 0, B-PER 1, I-PER 2, O 3

    [Fact]
    public void Only_the_first_sub_token_of_each_word_is_labelled()
    {
        TokenFeature f = TokenFeatures.Convert([Sentence], Tokenizer, 128, Labels, "train.conll")[0];

        Assert.Equal(["[CLS]", "the", "dog", "##s", "run", "##ning", "mat", "[SEP]"], f.Encoding.Tokens);
        Assert.Equal([-100, 3, 1, -100, 2, -100, 0, -100], f.Labels);
        Assert.Equal([1, 2, 4, -1, 6], f.FirstTokens);
        Assert.Equal(5, f.WordCount);
    }

    [Fact]
    public void Truncated_words_have_no_first_token()
    {
        TokenFeature f = TokenFeatures.Convert([Sentence], Tokenizer, 5, Labels, "train.conll")[0];

        Assert.Equal(["[CLS]", "the", "dog", "##s", "[SEP]"], f.Encoding.Tokens);
        Assert.Equal([-100, 3, 1, -100, -100], f.Labels);
        Assert.Equal([1, 2, -1, -1, -1], f.FirstTokens);
    }

    [Fact]
    public void Unlabeled_sentences_are_all_ignore_index()
    {
        TokenFeature f = TokenFeatures.Convert([Sentence with { Tags = null }], Tokenizer, 128, Labels, "in.jsonl")[0];
        Assert.All(f.Labels, l => Assert.Equal(TokenFeatures.IgnoreIndex, l));
    }

    [Fact]
    public void Predictions_come_back_one_per_word_from_first_sub_tokens()
    {
        TokenFeature f = TokenFeatures.Convert([Sentence], Tokenizer, 128, Labels, "train.conll")[0];
        const int L = 4, S = 9; // the row is padded to 9 tokens in its batch
        var logits = new float[S * L];
        void Vote(int token, int label) => logits[token * L + label] = 5f;
        Vote(1, 3); // the → O
        Vote(2, 1); // dog → B-PER
        Vote(3, 0); // ##s: ignored
        Vote(4, 2); // run → I-PER
        Vote(5, 0); // ##ning: ignored
        Vote(6, 0); // mat → B-LOC
        Vote(8, 1); // padding: ignored

        Assert.Equal([3, 1, 2, -1, 0], TokenFeatures.PredictWords(f, logits, L));
        Assert.Equal(["O", "B-PER", "I-PER", "O", "B-LOC"], TokenFeatures.PredictTags(f, logits, Labels));
        Assert.Equal(["O", "B-PER", "I-PER", "?", "B-LOC"], TokenFeatures.PredictTags(f, logits, Labels, missing: "?"));
        Assert.Throws<ArgumentException>(() => TokenFeatures.PredictWords(f, logits.AsSpan(0, 7 * L), L));
    }

    [Fact]
    public void Unknown_tag_names_the_line_of_its_word()
    {
        var e = Assert.Throws<InvalidFileException>(() =>
            TokenFeatures.Convert([Sentence], Tokenizer, 128, new LabelVocabulary(["O", "B-PER", "I-PER"]), "dev.conll"));

        Assert.Equal(14, e.Line); // the sentence starts on line 10; "mat" is word 4
        Assert.Contains("tag 'B-LOC'", e.Problem);
    }

    [Fact]
    public void Arg_max_takes_the_first_of_equal_values() =>
        Assert.Equal(1, TokenFeatures.ArgMax([0f, 2f, 2f, -1f]));
}
