using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.Training;
using BertCore.Text;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning.Techniques;

public class AuxiliaryMlmTests : IDisposable
{
    private readonly TechniqueJobs _jobs = new();

    public void Dispose() => _jobs.Dispose();

    private FineTunerOptions Options(string name, float weight) => new()
    {
        OutputDirectory = _jobs.Folder.File(name), MaxSteps = 6, BatchSize = 16, LearningRate = 1e-3f, Seed = 4, AuxMlmWeight = weight,
    };

    [Fact]
    public void A_weight_of_zero_is_bitwise_the_plain_run()
    {
        string Train(FineTunerOptions options)
        {
            using var job = _jobs.Classify(options);
            Assert.Null(job.Tuner.AuxiliaryMlm);
            job.Run();
            return TinyPretraining.Sha256OfFile(Path.Combine(options.OutputDirectory, ModelDirectory.WeightsFile));
        }
        Assert.Equal(Train(Options("plain", 0) with { AuxMlmWeight = default }), Train(Options("zero", 0)));
    }

    [Fact]
    public void The_weight_decays_linearly_and_the_step_reports_both_losses()
    {
        const float w = 0.5f;
        using var plain = _jobs.Classify(Options("plain", 0));
        using var job = _jobs.Classify(Options("aux", w));
        var aux = job.Tuner.AuxiliaryMlm!;
        Assert.False(aux.HeadLoaded);   // a random initialization has no MLM head to load
        var batches = new LengthBucketSampler(job.Tuner.Train.Lengths, 16, 4).Epoch(0);
        int vocabulary = job.Network.Config.VocabSize;
        for (int t = 0; t < 6; t++)
        {
            var step = job.Tuner.TrainStep([job.Tuner.Train.Batch(batches[t])]);
            var reference = plain.Tuner.TrainStep([plain.Tuner.Train.Batch(batches[t])]);
            // w(t) = W·(T − t)/T after t of T = 6 steps.
            Assert.Equal(w * (6 - t) / 6.0, step.AuxiliaryWeight, 1e-7);
            // The fresh head's logits have a spread of about 0.02·√H ≈ 0.1, so the first MLM loss is ln V + O(0.01);
            // 0.5 leaves room for the masked tokens' own draw.
            Assert.True(double.IsFinite(step.AuxiliaryLoss), $"MLM loss {step.AuxiliaryLoss} at step {t + 1}");
            if (t == 0) Assert.True(Math.Abs(step.AuxiliaryLoss - Math.Log(vocabulary)) < 0.5, $"first MLM loss {step.AuxiliaryLoss}, ln V = {Math.Log(vocabulary)}");
            // Loss is the task loss alone: at the first step, on the same weights and dropout, the plain run's.
            if (t == 0) Assert.Equal(reference.Loss, step.Loss);
            else Assert.NotEqual(reference.Loss, step.Loss);   // the MLM gradient changed the encoder
        }
        Assert.True(double.IsNaN(plain.Tuner.TrainStep([plain.Tuner.Train.Batch(batches[6])]).AuxiliaryLoss));
    }

    [Fact]
    public void Masking_takes_15_percent_of_each_rows_words_and_never_special_tokens_or_padding()
    {
        using var job = _jobs.Classify(Options("aux", 1f));
        var aux = job.Tuner.AuxiliaryMlm!;
        var vocabulary = Vocabulary.Load(_jobs.Vocab);
        var batch = job.Tuner.Train.Batch(Enumerable.Range(0, 40).ToArray()).Inputs;
        var (masked, labels) = aux.Mask(batch, stepsTaken: 3, microBatch: 0);
        var (again, _) = aux.Mask(batch, stepsTaken: 3, microBatch: 0);
        Assert.Equal(masked.InputIds, again.InputIds);   // seeded by (seed, step, micro-batch, row)
        Assert.NotEqual(masked.InputIds, aux.Mask(batch, stepsTaken: 4, microBatch: 0).Inputs.InputIds);
        int s = batch.SequenceLength;
        for (int row = 0; row < batch.Batch; row++)
        {
            int words = 0, chosen = 0;
            for (int i = row * s; i < (row + 1) * s; i++)
            {
                bool special = vocabulary.IsSpecial(batch.InputIds[i]) || batch.AttentionMask[i] == 0;
                if (!special) words++;
                if (labels[i] == -100)
                {
                    Assert.Equal(batch.InputIds[i], masked.InputIds[i]);   // not chosen: untouched
                    continue;
                }
                Assert.False(special, $"row {row} position {i - row * s}: a special token or padding was chosen");
                Assert.Equal(batch.InputIds[i], labels[i]);
                chosen++;
            }
            Assert.Equal(Math.Max(1, (int)Math.Round(words * 0.15, MidpointRounding.ToEven)), chosen);
        }
        Assert.Equal(batch.AttentionMask, masked.AttentionMask);
    }

    [Fact]
    public void The_head_is_loaded_from_the_model_folder_and_not_saved_with_the_task_model()
    {
        string pretrained = _jobs.PretrainedFolder(seed: 9);
        var options = Options("aux", 0.5f) with { MaxSteps = 2 };
        using var job = _jobs.Classify(options, pretrained);
        var aux = job.Tuner.AuxiliaryMlm!;
        Assert.True(aux.HeadLoaded);
        using (var file = SafeTensorsFile.Open(ModelDirectory.WeightsPath(pretrained)))
            foreach (var p in aux.Parameters)
            {
                using var stored = file.Read(p.Name);
                Assert.Equal(stored.ToArray(), p.Value.ToArray());
            }
        Assert.Same(job.Network.Encoder.Embeddings.Word.Weight, aux.Head.DecoderWeight);
        job.Run();
        using (var saved = SafeTensorsFile.Open(ModelDirectory.WeightsPath(options.OutputDirectory)))
            Assert.DoesNotContain(saved.Names, n => n.StartsWith("cls.", StringComparison.Ordinal));
        using var loaded = TaskModelDirectory.Load(options.OutputDirectory);
        Assert.Equal(job.Network.Model.Parameters().Count(), loaded.Model.Parameters().Count());
    }
}
