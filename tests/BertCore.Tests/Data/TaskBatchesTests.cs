using BertCore.Data.Tasks;
using BertCore.Tests.Text;
using Xunit;

namespace BertCore.Tests.Data;

public class TaskBatchesTests
{
    private static readonly BertCore.Text.BertTokenizer Tokenizer = ToyVocab.Tokenizer();
    private const int Pad = 0;

    [Fact]
    public void Classification_rows_are_padded_to_the_longest_of_the_batch()
    {
        SequenceExample[] examples = [new("the cat sat", null, "b", null, 2), new("dogs", "the mat", "a", null, 3), new("cat", null, "a", null, 4)];
        SequenceFeature[] f = SequenceFeatures.ForClassification(examples, Tokenizer, 64, new LabelVocabulary(["a", "b"]), "x");

        TaskBatch b = TaskBatches.Classification(f, [2, 1], Pad);

        Assert.Equal((2, 7), (b.Inputs.Batch, b.Inputs.SequenceLength));  // "dogs"+"the mat" is 7 tokens
        Assert.Equal([2, 6, 3, 0, 0, 0, 0, 2, 10, 11, 3, 5, 9, 3], b.Inputs.InputIds);
        Assert.Equal([1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1], b.Inputs.AttentionMask);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1], b.Inputs.TokenTypeIds);
        Assert.Equal([0, 0], b.Labels!);
        Assert.Equal([2, 1], b.Features);
        Assert.Null(b.Targets);
    }

    [Fact]
    public void Unlabeled_rows_give_no_labels()
    {
        SequenceFeature[] f = SequenceFeatures.ForClassification([new("cat", null, null, null, 2)], Tokenizer, 64, new LabelVocabulary(["a"]), "x");
        Assert.Null(TaskBatches.Classification(f, [0], Pad).Labels);
    }

    [Fact]
    public void Regression_targets()
    {
        SequenceFeature[] f = SequenceFeatures.ForRegression([new("cat", "dog", "1.5", 1.5f, 2), new("a", "b", "0", 0f, 3)], Tokenizer, 64, "x");
        Assert.Equal([0f, 1.5f], TaskBatches.Regression(f, [1, 0], Pad).Targets!);
    }

    [Fact]
    public void Token_labels_are_ignored_on_padding()
    {
        TaggedSentence[] s = [new(["the", "dogs"], ["O", "B-X"], 1), new(["cat"], ["B-X"], 4)];
        TokenFeature[] f = TokenFeatures.Convert(s, Tokenizer, 64, new LabelVocabulary(["B-X", "O"]), "x");

        TaskBatch b = TaskBatches.Tokens(f, [1, 0], Pad);

        Assert.Equal(5, b.Inputs.SequenceLength); // [CLS] the dog ##s [SEP]
        Assert.Equal([-100, 0, -100, -100, -100, /**/ -100, 1, 0, -100, -100], b.Labels!);
        Assert.Null(TaskBatches.Tokens(TokenFeatures.Convert([s[0] with { Tags = null }], Tokenizer, 64, new LabelVocabulary(["O"]), "x"), [0], Pad).Labels);
    }

    [Fact]
    public void Qa_positions_follow_their_rows()
    {
        var example = new QaExample("q", "", "the cat sat", "dog?", [new QaAnswer("sat", 8)], 1);
        QaFeature[] f = QaFeatures.Convert([example, example with { Answers = [] }], Tokenizer);

        TaskBatch b = TaskBatches.Qa(f, [1, 0], Pad);

        Assert.Equal([0, 6], b.StartPositions!); // [CLS] dog ? [SEP] the cat sat [SEP]: "sat" is token 6
        Assert.Equal([0, 6], b.EndPositions!);
    }
}
