using BertCore.Inference;
using BertCore.Inference.Importance;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Importance;

/// <summary>
/// Selective masking end to end on a model that learnt that one token decides the label (<see cref="CueTask"/>):
/// both criteria weigh the two cue tokens above every filler (the command and its file: <see cref="ImportanceCommandTests"/>).
/// </summary>
[Collection(CueTaskCollection.Name)]
public class TokenImportanceTests(CueTask task, ITestOutputHelper log)
{
    [Fact]
    public void The_model_learnt_the_cue_and_to_be_unsure_without_one()
    {
        var (accuracy, low, high) = task.Check();
        log.WriteLine($"accuracy on new sentences with a cue: {accuracy:F3}; P(1) without a cue from {low:F3} to {high:F3}");
        Assert.True(accuracy >= 0.95, $"accuracy {accuracy}");
        Assert.True(low > 0.2 && high < 0.8, $"P(1) without a cue from {low} to {high}");
    }

    [Fact]
    public void Class_probabilities_of_a_sentences_tokens_are_those_of_its_text()
    {
        using var model = TaskModel.Load(task.ModelDirectory);
        string[] texts = File.ReadLines(task.Corpus).Take(20).ToArray();
        var tokens = texts.Select(t => (IReadOnlyList<int>)model.Tokenizer.Encode(t, addSpecialTokens: false).Ids.ToArray()).ToArray();
        var probabilities = model.ClassProbabilities(tokens);
        var classes = model.Classify(texts.Select(t => (t, (string?)null)).ToArray());
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(1.0, probabilities[i].Sum(), 1e-12);
            // The same logits (packed: the same bits in any batch); Classify subtracts them in float before its
            // double softmax (a rounding of about 5e-7 of a logit difference), hence 1e-7 rather than 1e-12.
            Assert.Equal(classes[i].Score, probabilities[i][classes[i].Id], 1e-7);
        }
        Assert.Equal(0.5, model.ClassProbabilities([[]])[0][1], 0.1);   // nothing but [CLS] [SEP]: unsure, as without a cue
        Assert.Throws<ArgumentException>(() => model.ClassProbabilities([Enumerable.Repeat(5, 15).ToArray()]));   // 14 fit in 16 positions
        Assert.Throws<ArgumentException>(() => model.ClassProbabilities([[5, model.Tokenizer.Vocabulary.Count]]));
    }

    [Theory]
    [InlineData(ImportanceMethod.Buffer)]
    [InlineData(ImportanceMethod.Entropy)]
    public void The_cue_tokens_weigh_most_and_every_filler_less_than_average(ImportanceMethod method)
    {
        using var model = TaskModel.Load(task.ModelDirectory);
        var tally = TokenImportance.Score(model, File.ReadLines(task.Corpus), new ImportanceOptions { Method = method, ChunkSentences = 32 });
        var weights = tally.Weights(smoothing: 10);
        var vocabulary = model.Tokenizer.Vocabulary;
        foreach (var w in weights) log.WriteLine($"{vocabulary[w.Id],-8} {w.Weight:F3}  {w.Important}/{w.Occurrences}");

        Assert.Equal(80, tally.Sentences);
        Assert.Equal(["bad", "good"], weights.Take(2).Select(w => vocabulary[w.Id]).Order(StringComparer.Ordinal));
        Assert.All(weights.Take(2), w => Assert.True(w.Important >= 0.9 * w.Occurrences, $"{vocabulary[w.Id]}: {w.Important} of {w.Occurrences} important"));
        Assert.All(weights.Skip(2), w => Assert.True(w.Weight < 1, $"filler {vocabulary[w.Id]} weighs {w.Weight}"));
        Assert.Equal(CueTask.Fillers.Length + 2, weights.Length);
    }

    [Fact]
    public void Max_sentences_scores_only_the_first_ones()
    {
        using var model = TaskModel.Load(task.ModelDirectory);
        var tally = TokenImportance.Score(model, File.ReadLines(task.Corpus), new ImportanceOptions { MaxSentences = 7 });
        Assert.Equal(7, tally.Sentences);
        Assert.Equal(File.ReadLines(task.Corpus).Take(7).Sum(line => line.Split(' ').Length), tally.Occurrences);
    }
}
