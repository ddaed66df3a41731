using System.Globalization;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Checkpoints;
using BertCore.Data;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tensors;

namespace BertCore.Training.Electra;

/// <summary>The generator half of one ELECTRA forward (arena tensors: valid until the graph's Reset).</summary>
/// <param name="Logits">Generator logits at the masked positions [M, V].</param>
/// <param name="Loss">Mean MLM cross-entropy over the masked positions [1].</param>
/// <param name="Positions">The masked positions b·S + s, in order [M].</param>
/// <param name="Targets">Their original tokens [M].</param>
public readonly record struct GeneratorPass(Tensor Logits, Tensor Loss, int[] Positions, int[] Targets);

/// <summary>The discriminator half of one ELECTRA forward (arena tensors: valid until the graph's Reset).</summary>
/// <param name="Logits">Replaced-token logits [B·S, 1] (positive: replaced).</param>
/// <param name="Loss">Mean binary cross-entropy over the real (non-padding) tokens [1].</param>
/// <param name="Labels">Per position: 1 replaced, 0 original, -100 padding [B·S].</param>
public readonly record struct DiscriminatorPass(Tensor Logits, Tensor Loss, int[] Labels);

/// <summary>
/// ELECTRA replaced-token detection (Clark et al. 2020) for <see cref="Pretrainer"/>. Per micro-batch:
/// <code>
/// generator:     h = generator(masked batch); logits = MLM head(h at the masked positions) [M, V]; L_gen = CE(logits, originals)
/// sampling:      x̂ = a draw from softmax(logits) per masked row (no gradient; counter RNG at the graph's RNG position)
/// discriminator: corrupted = originals with x̂ at the masked positions; z = head(discriminator(corrupted)) [B·S, 1]
///                label = corrupted ≠ original (a draw equal to the original counts as original)
///                L_rtd = mean over real tokens of BCE-with-logits(z, label), as cross-entropy over [−z/2, z/2]
/// loss = L_gen + λ · L_rtd
/// </code>
/// The generator (<see cref="ElectraGenerator"/>) shares the discriminator's embeddings; the generator's own
/// parameters and the head (<see cref="ReplacedTokenHead"/>) are trained with the discriminator by the trainer's AdamW
/// (<see cref="TrainableParameters"/>). The model the trainer saves is the discriminator, a BERT encoder that fine-tuning
/// loads; <see cref="Save"/> writes the generator (<see cref="GeneratorFolder"/>) and the head (<see cref="HeadFile"/>)
/// beside it.
/// </summary>
public sealed class ElectraObjective : IPretrainingObjective, IDisposable
{
    /// <summary>The generator's model folder inside a checkpoint or the final model folder.</summary>
    public const string GeneratorFolder = "generator";

    /// <summary>The discriminator head's weights file inside a checkpoint or the final model folder.</summary>
    public const string HeadFile = "discriminator_head.safetensors";

    private const ulong SamplingStream = 0x454C45435452_41UL;   // keys the training draws apart from dropout's
    private const ulong EvaluationStream = 0x454C45435452_45UL;

    private readonly float _rtdWeight;
    private float[] _logits = [];

    /// <param name="discriminator">The model the trainer trains; its embeddings are shared with the generator.</param>
    /// <param name="generatorLayers">Generator layers (at least 1).</param>
    /// <param name="generatorIntermediate">Generator feed-forward width (at least 1).</param>
    /// <param name="rtdWeight">λ, the weight of the replaced-token loss (positive).</param>
    /// <param name="seed">Initialization of the generator and the head.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or the weight is out of range.</exception>
    public ElectraObjective(BertForPreTraining discriminator, int generatorLayers, int generatorIntermediate, float rtdWeight, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(generatorLayers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(generatorIntermediate, 1);
        if (!(rtdWeight > 0) || !float.IsFinite(rtdWeight)) throw new ArgumentOutOfRangeException(nameof(rtdWeight), rtdWeight, "must be positive");
        var config = discriminator.Config;
        Generator = new ElectraGenerator(config with { NumHiddenLayers = generatorLayers, IntermediateSize = generatorIntermediate },
            discriminator.Bert.Embeddings);
        Head = new ReplacedTokenHead(config);
        Generator.Initialize(seed + 2);
        Head.Initialize(config.InitializerRange, new Random(seed + 3));
        _rtdWeight = rtdWeight;
    }

    /// <summary>ELECTRA-like default generator depth for a discriminator of <paramref name="config"/>: a third of its layers (at least 1).</summary>
    public static int DefaultGeneratorLayers(BertConfig config) => Math.Max(1, config.NumHiddenLayers / 3);

    /// <summary>Default generator feed-forward width: half the discriminator's.</summary>
    public static int DefaultGeneratorIntermediate(BertConfig config) => Math.Max(1, config.IntermediateSize / 2);

    public ElectraGenerator Generator { get; }
    public ReplacedTokenHead Head { get; }

    /// <summary>λ, the weight of the replaced-token loss.</summary>
    public float RtdWeight => _rtdWeight;

    /// <summary>The generator's own layers and MLM head, and the discriminator head.</summary>
    public IEnumerable<Parameter> TrainableParameters => Generator.OwnParameters().Concat(Head.Parameters());

    public Tensor Loss(Graph g, BertForPreTraining model, PretrainingBatch batch, int[]? relationLabels)
    {
        if (relationLabels != null) throw new ArgumentException("ELECTRA trains no sentence-relation head (NSP/SOP)");
        var generator = GeneratorForward(g, batch);
        var replacements = Sample(g, generator.Logits, CounterRng.Hash(g.Seed, SamplingStream), g.RngOffset);
        g.RngOffset += (ulong)replacements.Length;
        return Total(g, generator, DiscriminatorForward(g, model, batch, generator.Positions, replacements));
    }

    /// <summary>The training loss [1]: generator MLM loss + λ · replaced-token loss.</summary>
    public Tensor Total(Graph g, GeneratorPass generator, DiscriminatorPass discriminator) =>
        g.Add(generator.Loss, discriminator.Loss, 1f, _rtdWeight);

    /// <summary>The generator on the masked batch: logits and MLM loss at the masked positions.</summary>
    /// <exception cref="ArgumentException">The batch has no masked position.</exception>
    public GeneratorPass GeneratorForward(Graph g, PretrainingBatch batch)
    {
        var labels = batch.MlmLabels;
        int count = labels.Count(l => l != MlmHead.IgnoreIndex);
        if (count == 0) throw new ArgumentException("the batch has no masked position for the generator to fill");
        var positions = new int[count];
        var targets = new int[count];
        for (int i = 0, k = 0; i < labels.Length; i++)
        {
            if (labels[i] == MlmHead.IgnoreIndex) continue;
            positions[k] = i;
            targets[k++] = labels[i];
        }
        var h = Generator.Forward(g, batch.Inputs);                                           // [B, S, H]
        var rows = g.GatherRows(g.Reshape(h, checked((int)h.Shape.Rows), h.Shape.Last), g.Input(positions, count));   // [M, H]
        var logits = Generator.Mlm.Forward(g, rows);                                          // [M, V]
        return new GeneratorPass(logits, g.CrossEntropy(logits, g.Input(targets, count)), positions, targets);
    }

    /// <summary>
    /// The discriminator on the batch's original tokens with <paramref name="replacements"/> [M] written at
    /// <paramref name="positions"/> [M]; the replaced-token loss over the real tokens.
    /// </summary>
    public DiscriminatorPass DiscriminatorForward(Graph g, BertForPreTraining discriminator, PretrainingBatch batch,
        ReadOnlySpan<int> positions, ReadOnlySpan<int> replacements)
    {
        if (positions.Length != replacements.Length)
            throw new ArgumentException($"{replacements.Length} replacements for {positions.Length} masked positions");
        var inputs = batch.Inputs;
        var corrupted = (int[])inputs.InputIds.Clone();
        var labels = new int[corrupted.Length];
        for (int i = 0; i < positions.Length; i++)
        {
            int p = positions[i];
            labels[p] = replacements[i] != batch.MlmLabels[p] ? 1 : 0;
            corrupted[p] = replacements[i];
        }
        for (int i = 0; i < labels.Length; i++)
            if (inputs.AttentionMask[i] == 0) labels[i] = MlmHead.IgnoreIndex;
        var h = discriminator.Bert.Forward(g, new BertBatch(inputs.Batch, inputs.SequenceLength, corrupted, inputs.TokenTypeIds, inputs.AttentionMask))
            .LastHiddenState;                                                                 // [B, S, H]
        var logits = Head.Forward(g, g.Reshape(h, checked((int)h.Shape.Rows), h.Shape.Last));   // [B·S, 1]
        var pair = g.MatMul(logits, g.Input([-0.5f, 0.5f], 1, 2));                            // [B·S, 2]: softmax(pair)[1] = σ(z)
        return new DiscriminatorPass(logits, g.CrossEntropy(pair, g.Input(labels, labels.Length)), labels);
    }

    /// <summary>One draw per row of <paramref name="logits"/> [M, V] (downloaded to the host), without gradient.</summary>
    private int[] Sample(Graph g, Tensor logits, ulong seed, ulong counter)
    {
        int rows = logits.Shape[0], vocab = logits.Shape[1];
        if (_logits.Length < rows * vocab) _logits = new float[rows * vocab];
        var host = _logits.AsSpan(0, rows * vocab);
        g.Backend.Download(logits, host);
        var tokens = new int[rows];
        SoftmaxSampler.Sample(host, vocab, seed, counter, tokens);
        return tokens;
    }

    /// <summary>
    /// Held-out scores of the next <paramref name="batches"/> batches: the generator's MLM accuracy and perplexity at
    /// the masked positions, and the discriminator's replaced-token accuracy over the real tokens with its baseline, the
    /// share of original tokens (replacements drawn
    /// from a fixed evaluation stream, so every evaluation of the same weights draws the same). Dropout off, no
    /// gradients; the graph's training flag and RNG position are left as they were.
    /// </summary>
    public MlmEvaluation Evaluate(Graph g, BertForPreTraining model, IPretrainingBatchSource source, int batches)
    {
        bool training = g.Training;
        g.Training = false;
        long masked = 0, correct = 0, tokens = 0, detected = 0, originals = 0;
        double lossSum = 0;
        Span<float> scalar = stackalloc float[1];
        try
        {
            using var noGrad = g.NoGrad();
            for (int i = 0; i < batches; i++)
            {
                var batch = source.Next();
                if (batch.MlmLabels.All(l => l == MlmHead.IgnoreIndex)) continue;
                var generator = GeneratorForward(g, batch);
                var replacements = Sample(g, generator.Logits, CounterRng.Hash(EvaluationStream, (ulong)i), 0);
                int vocab = generator.Logits.Shape[1];
                for (int r = 0; r < replacements.Length; r++)
                    if (ArgMax(_logits.AsSpan(r * vocab, vocab)) == generator.Targets[r]) correct++;
                g.Backend.Download(generator.Loss, scalar);
                lossSum += (double)scalar[0] * replacements.Length;
                masked += replacements.Length;
                var discriminator = DiscriminatorForward(g, model, batch, generator.Positions, replacements);
                var z = new float[discriminator.Labels.Length];
                g.Backend.Download(discriminator.Logits, z);
                for (int p = 0; p < z.Length; p++)
                {
                    if (discriminator.Labels[p] == MlmHead.IgnoreIndex) continue;
                    tokens++;
                    if (discriminator.Labels[p] == 0) originals++;
                    if ((z[p] > 0 ? 1 : 0) == discriminator.Labels[p]) detected++;
                }
                g.Reset();
            }
        }
        finally
        {
            g.Reset();
            g.Training = training;
        }
        if (masked == 0) throw new InvalidOperationException($"the {batches} evaluation batches hold no masked position");
        double meanLoss = lossSum / masked;
        return new MlmEvaluation((double)correct / masked, Math.Exp(meanLoss), meanLoss, masked)
        {
            RtdAccuracy = (double)detected / tokens, RtdBaseline = (double)originals / tokens,
        };
    }

    /// <summary>Writes the generator folder (config.json, model.safetensors with the shared embeddings, vocab.txt) and
    /// the head's weights into <paramref name="dir"/>.</summary>
    public void Save(string dir, string? vocabPath)
    {
        ModelDirectory.Save(Path.Combine(dir, GeneratorFolder), Generator, Generator.Config with { Architectures = ["BertForPreTraining"] }, vocabPath);
        SafeTensorsWriter.Write(Path.Combine(dir, HeadFile), Head.Parameters().Select(p => KeyValuePair.Create(p.Name, p.Value)),
            new Dictionary<string, string> { ["format"] = "pt", [RtdWeightKey] = _rtdWeight.ToString("R", CultureInfo.InvariantCulture) });
    }

    /// <summary>The head file's metadata entry that records λ, which an exact resume needs unchanged.</summary>
    private const string RtdWeightKey = "rtd_weight";

    /// <summary>Restores the generator and the head written by <see cref="Save"/> into <paramref name="dir"/>.</summary>
    /// <exception cref="InvalidFileException">The generator has another shape than this objective's, the head file records
    /// another λ, or a tensor is missing.</exception>
    public void Load(string dir)
    {
        var folder = Path.Combine(dir, GeneratorFolder);
        var config = ModelDirectory.LoadConfig(folder);
        if (config.NumHiddenLayers != Generator.Config.NumHiddenLayers || config.IntermediateSize != Generator.Config.IntermediateSize)
            throw new InvalidFileException(Path.Combine(folder, ModelDirectory.ConfigFile), null,
                $"the generator has {config.NumHiddenLayers} layers of intermediate size {config.IntermediateSize}, this run " +
                $"{Generator.Config.NumHiddenLayers} of {Generator.Config.IntermediateSize} (--generator-layers, --generator-intermediate)");
        RequireComplete(Checkpoint.LoadWeights(Generator, ModelDirectory.WeightsPath(folder)), ModelDirectory.WeightsPath(folder));
        var head = Path.Combine(dir, HeadFile);
        if (!File.Exists(head)) throw new InvalidFileException(head, null, "the discriminator head's weights are missing");
        using (var file = SafeTensorsFile.Open(head))
            if (file.Metadata.TryGetValue(RtdWeightKey, out var saved) && saved != _rtdWeight.ToString("R", CultureInfo.InvariantCulture))
                throw new InvalidFileException(head, null, $"was trained with rtd weight {saved}, this run has {_rtdWeight} (--rtd-weight)");
        RequireComplete(Checkpoint.LoadWeights(Head, head), head);
    }

    private static void RequireComplete(LoadReport report, string path)
    {
        if (report.Missing.Count > 0)
            throw new InvalidFileException(path, null, $"lacks {report.Missing.Count} tensors, e.g. {report.Missing[0]}");
    }

    /// <summary>Index of the largest value (the first one on ties).</summary>
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    public void Dispose()
    {
        Generator.Dispose();
        Head.Dispose();
    }
}
