using BertCore.Backends.Cpu;
using BertCore.Data.Tasks;
using BertCore.Inference;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;
using Xunit;

namespace BertCore.Tests.FineTuning;

/// <summary>
/// <see cref="TaskModel"/> inference packed (the default) against the padded path (<see cref="TaskModel.Pack"/> false,
/// the fine-tuning forward): logits and evaluation loss within 1e-5 for a sequence head, a token head, the qa head and
/// every pooled representation (with external features too); packed logits the same bits at batch sizes 1, 3 and 64;
/// and a second call reusing the first call's arena instead of allocating a new one (the growth of `predict`'s time
/// with --batch).
/// </summary>
public class PackedInferenceTests : IDisposable
{
    private const int ExternalWidth = 3;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A tiny random model of <paramref name="task"/> (with <paramref name="pooling"/> and external features when
    /// given) saved to a folder, and its dev file.</summary>
    private (string Dir, string Dev) Model(TaskKind task, string? pooling = null, bool external = false)
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 120, ner: 80, qa: 20);
        string dev = task switch { TaskKind.Ner => files.NerDev, TaskKind.Qa => files.QaDev, _ => files.ClassifyDev };
        var file = TaskFile.Read(dev, task);
        string dir = _folder.File($"model-{task.Name()}-{pooling}-{external}");
        // qa at 24 tokens: the synthetic questions are all equally long, so only windows cut by the stride vary in length.
        var spec = TaskSpec.Create(task, file.Labels(), task == TaskKind.Qa ? 24 : 64) with
        {
            Pooling = pooling == null ? null : Pooling.Parse(pooling), ExternalFeatures = external ? ExternalWidth : 0,
        };
        using var network = TaskNetwork.Create(spec, TinyTasks.Config(vocab));
        network.Initialize(seed: 6);
        TaskModelDirectory.Save(dir, network, vocab);
        return (dir, dev);
    }

    private static TaskOutputs Run(string dir, string dev, int batchSize, bool pack)
    {
        using var model = TaskModel.Load(dir, new CpuBackend(threads: 2), batchSize);
        model.Pack = pack;
        var data = TaskData.Create(TaskFile.Read(dev, model.Task), model.Spec, model.Tokenizer);
        if (model.Spec.ExternalFeatures > 0)
            ((SequenceTaskData)data).AttachExternal([.. Enumerable.Range(0, data.Count * ExternalWidth).Select(i => (i % 7 - 3) * 0.25f)]);
        return model.Run(data);
    }

    /// <summary>1e-5 of the largest logit: the two paths differ only in fp32 rounding (softmax lanes over masked keys,
    /// GEMM tiles, the mean pooled in double on the packed path), about 1e-7 per op through two layers. qa's padded
    /// loss also spreads probability over each batch's padding tokens, so its packed loss (over each feature's own
    /// tokens) is compared with the padded loss at batch size 1, where nothing is padded.</summary>
    [Theory]
    [InlineData(TaskKind.Classify, null, false)]
    [InlineData(TaskKind.Ner, null, false)]
    [InlineData(TaskKind.Qa, null, false)]
    [InlineData(TaskKind.Classify, "mean", false)]
    [InlineData(TaskKind.Classify, "max", false)]
    [InlineData(TaskKind.Classify, "concat-last-2", false)]
    [InlineData(TaskKind.Classify, "scalar-mix", false)]
    [InlineData(TaskKind.Classify, "cls", true)]
    [InlineData(TaskKind.Classify, "mean", true)]
    public void Packed_and_padded_inference_agree(TaskKind task, string? pooling, bool external)
    {
        var (dir, dev) = Model(task, pooling, external);
        var packed = Run(dir, dev, 16, pack: true);
        var padded = Run(dir, dev, 16, pack: false);
        Assert.Equal(padded.Logits.Count, packed.Logits.Count);
        for (int i = 0; i < padded.Logits.Count; i++)
        {
            Assert.Equal(padded.Logits[i].Length, packed.Logits[i].Length);
            Close.RelativeToMax(packed.Logits[i], padded.Logits[i], 1e-5, $"feature {i}");
            if (task == TaskKind.Qa) Close.RelativeToMax(packed.EndLogits![i], padded.EndLogits![i], 1e-5, $"feature {i} end");
        }
        Assert.Equal(task == TaskKind.Qa ? Run(dir, dev, 1, pack: false).Loss : padded.Loss, packed.Loss, 1e-5);
    }

    [Theory]
    [InlineData(TaskKind.Classify, null)]
    [InlineData(TaskKind.Ner, null)]
    [InlineData(TaskKind.Qa, null)]
    [InlineData(TaskKind.Classify, "mean")]
    [InlineData(TaskKind.Classify, "max")]
    [InlineData(TaskKind.Classify, "scalar-mix")]
    public void Packed_logits_are_the_same_bits_at_any_batch_size(TaskKind task, string? pooling)
    {
        var (dir, dev) = Model(task, pooling);
        var one = Run(dir, dev, 1, pack: true);
        foreach (int batch in new[] { 3, 64 })
        {
            var other = Run(dir, dev, batch, pack: true);
            for (int i = 0; i < one.Logits.Count; i++) Assert.Equal(one.Logits[i], other.Logits[i]);
            if (task == TaskKind.Qa)
                for (int i = 0; i < one.Logits.Count; i++) Assert.Equal(one.EndLogits![i], other.EndLogits![i]);
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
