using BertCore.Data.Tasks;
using Xunit;

namespace BertCore.Tests.Data;

public class LabelVocabularyTests
{
    [Fact]
    public void Integer_labels_sort_by_value()
    {
        var v = LabelVocabulary.FromLabels(["10", "2", "0", "2", null, "-1"]);
        Assert.Equal(["-1", "0", "2", "10"], v.Labels);
    }

    [Fact]
    public void String_labels_sort_ordinally_whatever_the_file_order()
    {
        var a = LabelVocabulary.FromLabels(["not_entailment", "entailment", "not_entailment"]);
        var b = LabelVocabulary.FromLabels(["entailment", "not_entailment"]);

        Assert.Equal(["entailment", "not_entailment"], a.Labels);
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(1, a.IdOf("not_entailment"));
    }

    [Fact]
    public void Mixed_labels_sort_as_strings() =>
        Assert.Equal(["10", "2", "B-PER", "O"], LabelVocabulary.FromLabels(["O", "2", "B-PER", "10"]).Labels);

    [Fact]
    public void Id2label_round_trips()
    {
        var v = new LabelVocabulary(["O", "B-PER", "I-PER"]);

        IReadOnlyDictionary<int, string> id2Label = v.ToId2Label();

        Assert.Equal("B-PER", id2Label[1]);
        Assert.Equal(v.Labels, LabelVocabulary.FromId2Label(id2Label).Labels);
    }

    [Fact]
    public void Bad_vocabularies_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LabelVocabulary(["a", "a"]));
        Assert.Throws<ArgumentException>(() => new LabelVocabulary(["a", ""]));
        Assert.Throws<ArgumentException>(() => LabelVocabulary.FromLabels([null]));
        Assert.Throws<ArgumentException>(() => LabelVocabulary.FromId2Label(new Dictionary<int, string> { [0] = "a", [2] = "b" }));
        Assert.Throws<KeyNotFoundException>(() => new LabelVocabulary(["a"]).IdOf("b"));
    }
}
