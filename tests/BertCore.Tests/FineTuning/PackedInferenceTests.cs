using BertCore.Backends.Cpu;
using BertCore.Data.Tasks;
using BertCore.Inference;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning;

/// <summary>
/// <see cref="TaskModel"/> inference packed (the default) against the padded path (<see cref="TaskModel.Pack"/> false,
/// the fine-tuning forward): logits and evaluation loss within 1e-5 for a sequence head and a token head; packed
/// logits the same bits at batch sizes 1, 3 and 64; and a second call reusing the first call's arena instead of
/// allocating a new one (the growth of `predict`'s time with --batch).
/// </summary>
public class PackedInferenceTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A tiny random model of <paramref name="task"/> saved to a folder, and its dev file.</summary>
    private (string Dir, string Dev) Model(TaskKind task)
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 120, ner: 80, qa: 20);
        string dev = task == TaskKind.Ner ? files.NerDev : files.ClassifyDev;
        var file = TaskFile.Read(dev, task);
        string dir = _folder.File($"model-{task.Name()}");
        using var network = TaskNetwork.Create(TaskSpec.Create(task, file.Labels(), 64), TinyTasks.Config(vocab));
        network.Initialize(seed: 6);
        TaskModelDirectory.Save(dir, network, vocab);
        return (dir, dev);
    }

    private static TaskOutputs Run(string dir, string dev, int batchSize, bool pack)
    {
        using var model = TaskModel.Load(dir, new CpuBackend(threads: 2), batchSize);
        model.Pack = pack;
        return model.Run(TaskData.Create(TaskFile.Read(dev, model.Task), model.Spec, model.Tokenizer));
    }

    /// <summary>1e-5 of the largest logit: the two paths differ only in fp32 rounding (softmax lanes over masked keys,
    /// GEMM tiles), about 1e-7 per op through two layers.</summary>
    [Theory]
    [InlineData(TaskKind.Classify)]
    [InlineData(TaskKind.Ner)]
    public void Packed_and_padded_inference_agree(TaskKind task)
    {
        var (dir, dev) = Model(task);
        var packed = Run(dir, dev, 16, pack: true);
        var padded = Run(dir, dev, 16, pack: false);
        Assert.Equal(padded.Logits.Count, packed.Logits.Count);
        for (int i = 0; i < padded.Logits.Count; i++)
        {
            Assert.Equal(padded.Logits[i].Length, packed.Logits[i].Length);
            Close.RelativeToMax(packed.Logits[i], padded.Logits[i], 1e-5, $"feature {i}");
        }
        Assert.Equal(padded.Loss, packed.Loss, 1e-5);
    }

    [Theory]
    [InlineData(TaskKind.Classify)]
    [InlineData(TaskKind.Ner)]
    public void Packed_logits_are_the_same_bits_at_any_batch_size(TaskKind task)
    {
        var (dir, dev) = Model(task);
        var one = Run(dir, dev, 1, pack: true);
        foreach (int batch in new[] { 3, 64 })
        {
            var other = Run(dir, dev, batch, pack: true);
            for (int i = 0; i < one.Logits.Count; i++) Assert.Equal(one.Logits[i], other.Logits[i]);
        }
    }

    /// <summary>The second of two equal calls allocates no native memory: its batches fit the arena of the first.</summary>
    [Fact]
    public void A_second_call_reuses_the_arena_of_the_first()
    {
        var (dir, _) = Model(TaskKind.Classify);
        var backend = new CpuBackend(threads: 2);
        using var model = TaskModel.Load(dir, backend, batchSize: 8);
        (string, string?)[] texts = [.. Enumerable.Range(0, 20).Select(i => ($"the film was {new string('!', i)} wonderful", (string?)null))];
        model.Classify(texts);
        long before = backend.StorageBytesAllocated;
        model.Classify(texts);
        Assert.Equal(before, backend.StorageBytesAllocated);
    }
}
