using System.Text;
using BertCore.Data.Tasks;
using BertCore.Inference;
using BertCore.Tests.IO;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning;

/// <summary>
/// One loaded <see cref="TaskModel"/> called from 16 threads at once gives, bit for bit, what the same calls give one
/// after another, for every task it predicts: the public answer (classes with their probabilities, values, tags,
/// answer spans with their n-best lists) and the raw logits of <see cref="TaskModel.Run"/>.
/// </summary>
public class ConcurrentInferenceTests : IDisposable
{
    private const int Threads = 16, Rounds = 3;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(TaskKind.Classify)]
    [InlineData(TaskKind.Regress)]
    [InlineData(TaskKind.Ner)]
    [InlineData(TaskKind.Qa)]
    public void Sixteen_threads_get_bitwise_what_sequential_calls_get(TaskKind task)
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 160, ner: 120, qa: 120);
        string path = task switch
        {
            TaskKind.Classify => files.ClassifyDev,
            TaskKind.Regress => TinyTasks.Pairs(files.ClassifyTrain, _folder.File("regress.tsv"), regression: true),
            TaskKind.Ner => files.NerDev,
            _ => files.QaDev,
        };
        var file = TaskFile.Read(path, task);
        string dir = _folder.File("model");
        using (var network = TaskNetwork.Create(TaskSpec.Create(task, file.Labels(), 64), TinyTasks.Config(vocab)))
        {
            network.Initialize(seed: 4);
            TaskModelDirectory.Save(dir, network, vocab);
        }
        using var model = TaskModel.Load(dir, batchSize: 8);

        // Thread t predicts the first 30 - t examples: its batches differ from its neighbours' in size and length.
        var slices = Enumerable.Range(0, Threads).Select(t => file.Take(30 - t)).ToArray();
        var expected = slices.Select(slice => Predict(model, slice)).ToArray();
        Assert.All(expected, e => Assert.Contains("logits", e));

        var actual = new string[Threads, Rounds];
        var errors = new Exception?[Threads];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                for (int r = 0; r < Rounds; r++) actual[t, r] = Predict(model, slices[t]);
            }
            catch (Exception e)
            {
                errors[t] = e;
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();

        Assert.All(errors, e => Assert.Null(e));
        for (int t = 0; t < Threads; t++)
            for (int r = 0; r < Rounds; r++)
                Assert.Equal(expected[t], actual[t, r]);
    }

    /// <summary>The task's public prediction for <paramref name="file"/>'s examples and the raw logits of a run over
    /// them, as text in which every float is written as its bits.</summary>
    private static string Predict(TaskModel model, TaskFile file)
    {
        var text = new StringBuilder();
        switch (model.Task)
        {
            case TaskKind.Classify:
                foreach (var c in model.Classify(file.Sequences!.Select(e => (e.Text, e.TextPair)).ToArray()))
                    text.Append($"{c.Id} {c.Label} {Bits(c.Score)}\n");
                break;
            case TaskKind.Regress:
                foreach (var v in model.Regress(file.Sequences!.Select(e => (e.Text, e.TextPair)).ToArray())) text.Append($"{Bits(v)}\n");
                break;
            case TaskKind.Ner:
                foreach (var tags in model.Tag(file.Sentences!.Select(s => s.Words).ToArray())) text.AppendJoin(' ', tags).Append('\n');
                break;
            default:
                foreach (var answer in model.Answer(file.Questions!.Select(q => (q.Question, q.Context)).ToArray()))
                    foreach (var c in answer.NBest.Prepend(answer.Best))
                        text.Append($"{answer.Id} {c.Text} {c.Start} {c.End} {Bits(c.StartLogit)} {Bits(c.EndLogit)} {Bits(c.Probability)}\n");
                break;
        }
        var outputs = model.Run(TaskData.Create(file, model.Spec, model.Tokenizer), withTargets: false);
        text.Append("logits\n");
        foreach (var row in outputs.Logits.Concat(outputs.EndLogits ?? [])) text.AppendJoin(' ', row.Select(Bits)).Append('\n');
        return text.ToString();
    }

    private static string Bits(float x) => BitConverter.SingleToInt32Bits(x).ToString("x8");

    private static string Bits(double x) => BitConverter.DoubleToInt64Bits(x).ToString("x16");
}
