using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Training;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning;

/// <summary>Fine-tuned model folders: saving, loading (also as a Hugging Face folder) and starting from a pretrained
/// checkpoint (prediction from many threads: <see cref="ConcurrentInferenceTests"/>).</summary>
public class TaskModelTests : IDisposable
{
    private static readonly LabelVocabulary Sentiment = new(["negative", "positive"]);
    private readonly TempFolder _folder = new();
    private readonly string _vocab;

    public TaskModelTests() => (_, _vocab) = TinyTasks.Write(_folder.Root, classify: 40, ner: 20, qa: 20);

    public void Dispose() => _folder.Dispose();

    private TaskNetwork Network(LabelVocabulary labels, int seed)
    {
        var network = TaskNetwork.Create(TaskSpec.Create(TaskKind.Classify, labels, 32), TinyTasks.Config(_vocab));
        network.Initialize(seed);
        return network;
    }

    private static Dictionary<string, float[]> Values(IEnumerable<Parameter> parameters) =>
        parameters.ToDictionary(p => p.Name, p => p.Value.Span.ToArray());

    private static readonly (string, string?)[] Texts = Enumerable.Range(0, 40)
        .Select(i => ($"the film anna liked was {(i % 2 == 0 ? "really wonderful" : "not great")} {new string('!', i % 7)}", (string?)null)).ToArray();

    [Fact]
    public void A_saved_folder_loads_back_as_the_same_network_also_without_the_spec_file()
    {
        string dir = _folder.File("model");
        float[][] expected;
        using (var network = Network(Sentiment, 5))
        {
            TaskModelDirectory.Save(dir, network, _vocab);
            var data = TaskData.Create(TaskFile.FromSequences(TaskKind.Classify, Texts.Select((t, i) => new SequenceExample(t.Item1, null, null, null, i)).ToArray()),
                network.Spec, BertCore.Text.BertTokenizer.FromVocabFile(_vocab));
            using var graph = new Graph(new CpuBackend());
            expected = TaskRunner.Run(graph, network, data, 16, withTargets: false).Logits.ToArray();
        }
        foreach (bool withSpec in new[] { true, false })
        {
            if (!withSpec) File.Delete(Path.Combine(dir, TaskSpec.FileName));   // a Hugging Face folder: config.json says the rest
            using var model = TaskModel.Load(dir);
            Assert.Equal(TaskKind.Classify, model.Task);
            Assert.Equal(Sentiment.Labels, model.Spec.Labels!.Labels);
            var predictions = model.Classify(Texts);
            for (int i = 0; i < Texts.Length; i++)
                Assert.Equal(expected[i][1] > expected[i][0] ? "positive" : "negative", predictions[i].Label);
        }
    }

    [Fact]
    public void Starting_from_a_pretraining_checkpoint_loads_the_encoder_and_leaves_the_head_new()
    {
        string dir = _folder.File("pretrained");
        Dictionary<string, float[]> pretrained;
        using (var model = PretrainingModel.New(TinyTasks.Config(_vocab), relationHead: false, seed: 9))
        {
            ModelDirectory.Save(dir, model, model.Config, _vocab);
            pretrained = Values(model.Parameters());
        }
        using var network = Network(Sentiment, 1);
        var freshHead = Values(network.Head.SelectMany(h => h.Parameters()));
        var load = TaskModelDirectory.LoadPretrained(network, dir);
        Assert.False(load.HeadLoaded);
        Assert.False(load.FreshPooler);
        Assert.Contains("cls.predictions.transform.dense.weight", load.Unused);
        foreach (var p in network.Encoder.Parameters()) Assert.Equal(pretrained[p.Name], p.Value.Span.ToArray());
        foreach (var (name, value) in Values(network.Head.SelectMany(h => h.Parameters()))) Assert.Equal(freshHead[name], value);
    }

    [Fact]
    public void The_head_of_a_model_of_the_same_task_and_labels_is_loaded_and_otherwise_left_new()
    {
        string dir = _folder.File("finetuned");
        Dictionary<string, float[]> head;
        using (var source = Network(Sentiment, 2))
        {
            TaskModelDirectory.Save(dir, source, _vocab);
            head = Values(source.Head.SelectMany(h => h.Parameters()));
        }
        using (var same = Network(Sentiment, 7))
        {
            Assert.True(TaskModelDirectory.LoadPretrained(same, dir).HeadLoaded);
            foreach (var (name, value) in Values(same.Head.SelectMany(h => h.Parameters()))) Assert.Equal(head[name], value);
        }
        using (var other = Network(new LabelVocabulary(["negative", "neutral", "positive"]), 7))
            Assert.False(TaskModelDirectory.LoadPretrained(other, dir).HeadLoaded);
        using (var renamed = Network(new LabelVocabulary(["bad", "good"]), 7))
            Assert.False(TaskModelDirectory.LoadPretrained(renamed, dir).HeadLoaded);
    }

    [Fact]
    public void A_checkpoint_missing_an_encoder_tensor_is_refused_with_its_name()
    {
        string dir = _folder.File("broken");
        using (var model = PretrainingModel.New(TinyTasks.Config(_vocab), relationHead: false, seed: 9))
        {
            ModelDirectory.Save(dir, model, model.Config, _vocab);
            Checkpoint.SaveWeights(model, Path.Combine(dir, ModelDirectory.WeightsFile), p => !p.Name.StartsWith("bert.encoder.layer.1.", StringComparison.Ordinal));
        }
        using var network = Network(Sentiment, 1);
        var e = Assert.Throws<InvalidFileException>(() => TaskModelDirectory.LoadPretrained(network, dir));
        Assert.Contains("bert.encoder.layer.1.", e.Message);
    }
}
