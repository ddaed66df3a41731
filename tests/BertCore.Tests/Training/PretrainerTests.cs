using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tests.IO;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

public class PretrainerTests
{
    private static PretrainerOptions Options(string output, int steps = 3) => new()
    {
        MaxSteps = steps, OutputDirectory = output, LearningRate = 2e-3f, WarmupSteps = 1, RelationHead = true, Seed = 3, EvalBatches = 2,
    };

    /// <summary>Yields each batch of an inner source as two half batches (rows 0..B/2-1, then the rest).</summary>
    private sealed class Halves(IPretrainingBatchSource inner) : IPretrainingBatchSource
    {
        private PretrainingBatch? _pending;
        private bool _second;

        public PretrainingBatch Next()
        {
            if (!_second) _pending = inner.Next();
            var full = _pending!;
            int half = full.Inputs.Batch / 2, s = full.Inputs.SequenceLength, from = _second ? half : 0;
            _second = !_second;
            int[] Rows(int[] a, int width) => a.AsSpan(from * width, half * width).ToArray();
            return new PretrainingBatch(
                new BertBatch(half, s, Rows(full.Inputs.InputIds, s), Rows(full.Inputs.TokenTypeIds, s), Rows(full.Inputs.AttentionMask, s)),
                Rows(full.MlmLabels, s), Rows(full.RelationLabels!, 1));
        }

        public IReadOnlyDictionary<string, long> Position => throw new NotSupportedException();
        public void Seek(IReadOnlyDictionary<string, long> position) => throw new NotSupportedException();
    }

    /// <summary>Every row has the same number of masked positions, so the mean loss of the full batch equals the
    /// mean of the two halves' means: with the 1/k loss scaling the gradients are equal too. Both are compared to
    /// 1e-5 relative: only the fp32 summation order differs (~1e-7), carried through three updates.</summary>
    [Fact]
    public void Two_accumulated_half_batches_give_the_loss_and_gradient_of_one_full_batch()
    {
        using var folder = new TempFolder();
        using var fullModel = PretrainingModel.New(TinyPretraining.Config(dropout: 0), true, 5);
        using var halfModel = PretrainingModel.New(TinyPretraining.Config(dropout: 0), true, 5);
        using var full = new Pretrainer(new CpuBackend(), fullModel, Options(folder.Root), TinyPretraining.Source(8));
        using var halves = new Pretrainer(new CpuBackend(), halfModel, Options(folder.Root) with { GradientAccumulationSteps = 2 },
            new Halves(TinyPretraining.Source(8)));
        for (int step = 0; step < 3; step++)
        {
            var a = full.TrainStep();
            var b = halves.TrainStep();
            Assert.Equal(a.Positions, b.Positions);
            Assert.True(Math.Abs(a.Loss - b.Loss) <= 1e-5 * a.Loss, $"step {step}: loss {a.Loss} vs {b.Loss}");
            Assert.True(Math.Abs(a.GradNorm - b.GradNorm) <= 1e-5 * a.GradNorm, $"step {step}: grad norm {a.GradNorm} vs {b.GradNorm}");
        }
    }

    /// <summary>A NaN MLM bias makes every loss NaN: the step (two micro-batches, their losses read back once at its end)
    /// throws naming the step, and the update was skipped on the device: no weight changed, no step counted.</summary>
    [Fact]
    public void A_loss_that_is_not_finite_throws_naming_the_step_and_changes_no_weight()
    {
        using var folder = new TempFolder();
        using var model = PretrainingModel.New(TinyPretraining.Config(dropout: 0), true, 5);
        model.Mlm!.Bias.Value.Span.Fill(float.NaN);
        string before = TinyPretraining.Digest(model);
        using var trainer = new Pretrainer(new CpuBackend(), model, Options(folder.Root) with { GradientAccumulationSteps = 2 }, TinyPretraining.Source(8));
        var error = Assert.Throws<InvalidOperationException>(() => trainer.TrainStep());
        Assert.Equal("the training loss is NaN at step 1", error.Message);
        Assert.Equal(0, trainer.Step);
        Assert.Equal(before, TinyPretraining.Digest(model));
    }

    /// <summary>The evaluator against the full [B, S, V] logits scored on the host in double: the accuracy is the
    /// same count, the perplexity agrees to 1e-5 relative (fp32 logits, double log-sum-exp on both sides).</summary>
    [Fact]
    public void Evaluation_matches_scoring_the_full_logits_and_repeats_exactly()
    {
        using var folder = new TempFolder();
        using var model = PretrainingModel.New(TinyPretraining.Config(dropout: 0.1f), true, 5);
        using var trainer = new Pretrainer(new CpuBackend(), model, Options(folder.Root) with { EvalBatches = 3 },
            TinyPretraining.Source(8), TinyPretraining.Source(99));
        for (int i = 0; i < 3; i++) trainer.TrainStep();   // a model that predicts something
        var result = trainer.Evaluate();
        Assert.Equal(result, trainer.Evaluate());

        long masked = 0, correct = 0;
        double lossSum = 0;
        var heldOut = TinyPretraining.Source(99);
        using var g = new Graph(new CpuBackend());   // evaluation mode: dropout off
        for (int i = 0; i < 3; i++)
        {
            var batch = heldOut.Next();
            var logits = model.Forward(g, batch.Inputs, mlmLogits: true).MlmLogits!.ToArray();   // [B·S·V]
            for (int at = 0; at < batch.MlmLabels.Length; at++)
            {
                int label = batch.MlmLabels[at];
                if (label == MlmHead.IgnoreIndex) continue;
                var row = logits.AsSpan(at * TinyPretraining.Vocab, TinyPretraining.Vocab);
                double max = double.MinValue, sum = 0;
                int best = 0;
                for (int v = 0; v < row.Length; v++) { if (row[v] > max) { max = row[v]; best = v; } }
                foreach (var x in row) sum += Math.Exp(x - max);
                lossSum += max + Math.Log(sum) - row[label];
                correct += best == label ? 1 : 0;
                masked++;
            }
            g.Reset();
        }
        Assert.Equal(masked, result.MaskedTokens);
        Assert.Equal((double)correct / masked, result.Accuracy);
        Assert.Equal(Math.Exp(lossSum / masked), result.Perplexity, 1e-5 * result.Perplexity);
    }

    [Fact]
    public void Evaluations_between_steps_do_not_change_the_training_trajectory()
    {
        using var folder = new TempFolder();
        string Train(bool evaluate)
        {
            using var model = PretrainingModel.New(TinyPretraining.Config(dropout: 0.1f), true, 5);
            using var trainer = new Pretrainer(new CpuBackend(), model, Options(Path.Combine(folder.Root, evaluate ? "e" : "n"), 4) with { EvalEvery = 1 },
                TinyPretraining.Source(8), evaluate ? TinyPretraining.Source(99) : null);
            trainer.Run();
            return TinyPretraining.Digest(model);
        }
        Assert.Equal(Train(evaluate: false), Train(evaluate: true));
    }

    [Fact]
    public void Run_writes_checkpoints_metrics_and_the_final_model()
    {
        using var folder = new TempFolder();
        string output = Path.Combine(folder.Root, "run"), vocab = TinyPretraining.WriteVocab(folder.Root);
        var stale = Directory.CreateDirectory(Path.Combine(output, "checkpoint-4.tmp-0123456789ab")).FullName;
        using var model = PretrainingModel.New(TinyPretraining.Config(), true, 5);
        var options = Options(output, 7) with { SaveEvery = 2, EvalEvery = 3, EvalBatches = 2 };
        using (var trainer = new Pretrainer(new CpuBackend(), model, options, TinyPretraining.Source(8), TinyPretraining.Source(99), vocab))
            Assert.True(trainer.Run().Completed);

        Assert.False(Directory.Exists(stale));
        Assert.Equal([6, 7], PretrainingCheckpoint.List(output).Select(c => c.Step));
        Assert.Equal(["checkpoint-6", "checkpoint-7"], Directory.GetDirectories(output).Select(Path.GetFileName).Order());
        var last = Path.Combine(output, "checkpoint-7");
        Assert.Equal(["config.json", "model.safetensors", "trainer_state.json", "trainer_state.safetensors", "vocab.txt"],
            Directory.GetFiles(last).Select(Path.GetFileName).Order());
        Assert.Equal(File.ReadAllText(vocab), File.ReadAllText(Path.Combine(last, "vocab.txt")));

        var state = TrainerState.Load(Path.Combine(last, PretrainingCheckpoint.StateJsonFile));
        Assert.Equal(7, state.Step);
        Assert.Equal(3UL, state.RngSeed);
        Assert.True(state.RngOffset > 0);
        Assert.Equal(7, state.DataPosition["next"]);
        Assert.Equal(options, state.Options);
        Assert.Equal([3, 6, 7], state.Evaluations.Select(e => e.Step));
        using (var tensors = SafeTensorsFile.Open(Path.Combine(last, PretrainingCheckpoint.StateTensorsFile)))
        {
            Assert.Equal(7, tensors.Read("step").IntSpan[0]);
            var names = model.Parameters().Select(p => p.Name).ToArray();
            Assert.Equal(names.SelectMany(n => new[] { "m." + n, "v." + n }).Append("step").Order(), tensors.Names.Order());
            var v = tensors.Read("v.bert.encoder.layer.0.attention.self.query.weight").ToArray();
            Assert.True(v.All(x => x >= 0) && v.Any(x => x > 0));
        }

        var rows = MetricsLog.Read(Path.Combine(output, Pretrainer.MetricsFile));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], rows.Select(r => r.Step));
        Assert.Equal([3, 6, 7], rows.Where(r => !double.IsNaN(r.EvalPerplexity)).Select(r => r.Step));
        Assert.All(rows, r => Assert.True(r.Loss > 0 && r.GradNorm > 0 && r.TokensPerSecond > 0));
        Assert.False(File.Exists(Path.Combine(output, "loss.png")), "the engine writes metrics.csv only; the CLI draws the plots");

        using var final = ModelDirectory.LoadPreTraining(output);
        Assert.Equal(TinyPretraining.Digest(model), TinyPretraining.Digest(final));
    }

    [Fact]
    public void Mlm_only_training_leaves_the_pooler_and_nsp_head_untouched()
    {
        using var folder = new TempFolder();
        using var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: 5);
        var frozen = model.Bert.Pooler!.Parameters().Concat(model.Nsp!.Parameters()).ToArray();
        var before = frozen.Select(p => p.Value.ToArray()).ToArray();
        var word = model.Bert.Embeddings.Word.Weight.Value.ToArray();
        using var trainer = new Pretrainer(new CpuBackend(), model, Options(folder.Root) with { RelationHead = false },
            TinyPretraining.Source(8, relationLabels: false));
        trainer.TrainStep();
        trainer.TrainStep();
        for (int i = 0; i < frozen.Length; i++) Assert.Equal(before[i], frozen[i].Value.ToArray());
        Assert.NotEqual(word, model.Bert.Embeddings.Word.Weight.Value.ToArray());
    }

    [Fact]
    public void A_relation_objective_needs_relation_labels_and_a_relation_head()
    {
        using var folder = new TempFolder();
        using var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: 5);
        using var trainer = new Pretrainer(new CpuBackend(), model, Options(folder.Root), TinyPretraining.Source(8, relationLabels: false));
        Assert.Contains("no relation labels", Assert.Throws<InvalidOperationException>(() => trainer.TrainStep()).Message);
        using var mlmOnly = PretrainingModel.New(TinyPretraining.Config(), relationHead: false, seed: 5);
        Assert.Throws<ArgumentException>(() => new Pretrainer(new CpuBackend(), mlmOnly, Options(folder.Root), TinyPretraining.Source(8)));
    }

    [Fact]
    public void Init_from_a_folder_keeps_its_weights_and_creates_the_heads_it_lacks()
    {
        using var folder = new TempFolder();
        using (var mlmOnly = new BertForPreTraining(TinyPretraining.Config(), withMlm: true, withNsp: false, withPooler: false))
        {
            mlmOnly.Initialize(42);
            ModelDirectory.Save(folder.Root, mlmOnly, mlmOnly.Config);
        }
        var (model, report) = PretrainingModel.FromCheckpoint(folder.Root, relationHead: true, seed: 7);
        using (model)
        {
            Assert.Equal(["bert.pooler.dense.bias", "bert.pooler.dense.weight", "cls.seq_relationship.bias", "cls.seq_relationship.weight"],
                report.Missing.Order());
            using var saved = SafeTensorsFile.Open(Path.Combine(folder.Root, "model.safetensors"));
            Assert.Equal(saved.Read("bert.embeddings.word_embeddings.weight").ToArray(), model.Bert.Embeddings.Word.Weight.Value.ToArray());
            Assert.Contains(model.Nsp!.Weight.Value.ToArray(), x => x != 0);
        }
    }
}
