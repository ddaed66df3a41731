using System.Diagnostics;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Data;
using BertCore.Nn.Heads;
using BertCore.Text;

namespace BertCore.Training.FineTuning.Techniques;

/// <summary>What <see cref="TaskAdaptivePretraining.Run"/> did.</summary>
/// <param name="Steps">MLM steps taken.</param>
/// <param name="Losses">[Steps] training loss of each step.</param>
/// <param name="LossBefore">Held-out-style MLM loss on the training text (fixed masks, dropout off) before the first step.</param>
/// <param name="LossAfter">The same loss, on the same masks, after the last step.</param>
/// <param name="HeadLoaded">The MLM head came from the model folder (else it was initialized).</param>
/// <param name="Seconds">Wall time, the two evaluations included.</param>
public sealed record TaptResult(int Steps, IReadOnlyList<double> Losses, double LossBefore, double LossAfter, bool HeadLoaded, double Seconds)
{
    public override string ToString() =>
        $"task-adaptive pretraining: {Steps} MLM steps in {Seconds:F1} s, MLM loss on the training text {LossBefore:F3} → {LossAfter:F3}" +
        $" (MLM head {(HeadLoaded ? "loaded" : "new")})";
}

/// <summary>
/// Task-adaptive pretraining (TAPT, Gururangan et al. 2020): before fine-tuning, N steps of masked-LM training of
/// the task network's encoder on the training data's own text (<see cref="TaskTextCorpus"/>: one example per
/// sequence, dynamic masking 15% with BERT's 80/10/10 rule, batches of the fine-tuning batch size and maximum
/// length, seeded by the run's seed), with the <see cref="Pretrainer"/>'s step (AdamW, eps 1e-6, linear schedule
/// with 6% warmup at <see cref="FineTunerOptions.TaptLearningRate"/>, clipping at 1, weight decay as fine-tuning).
/// The MLM head is loaded from the model folder when it has one, else initialized; it is discarded afterwards.
/// The encoder's weights (embeddings and layers) are replaced by the adapted ones; the pooler and the task head
/// are untouched.
/// </summary>
public static class TaskAdaptivePretraining
{
    /// <summary>Held-out batches (at most) scored before and after.</summary>
    public const int EvaluationBatches = 20;

    /// <summary>Adapts <paramref name="network"/>'s encoder to the text of <paramref name="train"/>.</summary>
    /// <param name="modelDirectory">The starting model folder, for its MLM head (optional).</param>
    /// <param name="options">TaptSteps (at least 1), TaptLearningRate, BatchSize, WeightDecay, Seed and OutputDirectory (nothing is written to it).</param>
    /// <param name="progress">Receives (steps taken, loss) after each step (optional).</param>
    public static TaptResult Run(IBackend backend, TaskNetwork network, TaskFile train, BertTokenizer tokenizer, string? modelDirectory,
        FineTunerOptions options, IProgress<(int Step, double Loss)>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TaptSteps, 1);
        var clock = Stopwatch.StartNew();
        var corpus = new TaskTextCorpus(train, tokenizer);
        var data = new PretrainingDataOptions
        {
            MaxSequenceLength = network.Spec.MaxSequenceLength, BatchSize = options.BatchSize, Seed = (ulong)options.Seed,
        };
        var source = new PretrainingBatchSource(corpus, tokenizer.Vocabulary, data);
        var heldOut = PretrainingBatchSource.HeldOut(corpus, tokenizer.Vocabulary, data);
        int evaluationBatches = Math.Min(EvaluationBatches, (heldOut.Examples.Count + data.BatchSize - 1) / data.BatchSize);
        using var model = new BertForPreTraining(network.Config, withMlm: true, withNsp: false, withPooler: false);
        bool headLoaded = MlmHeads.LoadOrInitialize(model.Mlm!, network.Config.InitializerRange, modelDirectory, options.Seed);
        backend.Adopt(model.Parameters());
        Copy(backend, network.Encoder.Parameters(), model.Bert.Parameters());
        var pretrainerOptions = new PretrainerOptions
        {
            MaxSteps = options.TaptSteps, OutputDirectory = Path.Combine(options.OutputDirectory, "tapt"), LearningRate = options.TaptLearningRate,
            WarmupSteps = (int)Math.Ceiling(0.06 * options.TaptSteps), WeightDecay = options.WeightDecay, Seed = options.Seed,
        };
        var losses = new double[options.TaptSteps];
        double before, after;
        var start = heldOut.Position;
        using (var graph = new Graph(backend))
            before = MlmEvaluator.Evaluate(graph, model, heldOut, evaluationBatches).MeanLoss;
        using (var pretrainer = new Pretrainer(backend, model, pretrainerOptions, source))
            for (int step = 0; step < losses.Length; step++)
            {
                losses[step] = pretrainer.TrainStep().Loss;
                progress?.Report((step + 1, losses[step]));
            }
        heldOut.Seek(start);
        using (var graph = new Graph(backend))
            after = MlmEvaluator.Evaluate(graph, model, heldOut, evaluationBatches).MeanLoss;
        Copy(backend, model.Bert.Parameters(), network.Encoder.Parameters());
        return new TaptResult(options.TaptSteps, losses, before, after, headLoaded, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Copies the values of <paramref name="from"/> into the parameters of the same name in <paramref name="to"/>
    /// (those without a namesake, e.g. the pooler, are left as they are).</summary>
    private static void Copy(IBackend backend, IEnumerable<Parameter> from, IEnumerable<Parameter> to)
    {
        var target = to.ToDictionary(p => p.Name);
        foreach (var p in from)
            if (target.TryGetValue(p.Name, out var q)) backend.Copy(p.Value, q.Value);
    }
}
