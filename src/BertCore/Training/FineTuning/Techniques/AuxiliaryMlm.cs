using BertCore.Autograd;
using BertCore.Data;
using BertCore.Data.Tasks;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tensors;
using BertCore.Text;

namespace BertCore.Training.FineTuning.Techniques;

/// <summary>
/// An auxiliary masked-LM loss on the task's own input text, added to the task loss while fine-tuning. For each
/// micro-batch, 15% of the non-special tokens of each row are chosen and corrupted by BERT's 80/10/10 rule (the
/// pretraining <see cref="Masker"/>, seeded by the run's seed, the step, the micro-batch and the row); the
/// corrupted batch runs through the shared encoder a second time and an MLM head predicts the chosen tokens. The
/// step's loss is task + w(t)·mlm with w(t) = W·(T − t)/T after t of T steps: W at the first step, falling
/// linearly towards 0 at the end of the run. The MLM head is loaded from the starting model folder when it has one
/// (see <see cref="MlmHeads.LoadOrInitialize"/>), trains with the network at the peak learning rate, and is not saved in the
/// task model folder (the saved model is the plain task model).
/// </summary>
public sealed class AuxiliaryMlm : IDisposable
{
    private readonly Masker _masker;
    private readonly ulong _seed;

    /// <param name="network">The task network whose encoder the MLM head reads.</param>
    /// <param name="vocabulary">The network's vocabulary (special tokens are never masked).</param>
    /// <param name="weight">W, the weight at the first step.</param>
    /// <param name="seed">Seeds the masks (and the head's initialization when it is not loaded).</param>
    /// <param name="modelDirectory">The starting model folder, to load the MLM head from (optional).</param>
    public AuxiliaryMlm(TaskNetwork network, Vocabulary vocabulary, float weight, int seed, string? modelDirectory)
    {
        if (!(weight > 0 && float.IsFinite(weight))) throw new ArgumentOutOfRangeException(nameof(weight), "the auxiliary MLM weight must be positive");
        Network = network;
        InitialWeight = weight;
        _seed = (ulong)seed;
        _masker = new Masker(vocabulary, new PretrainingDataOptions(), importance: null);
        Head = new MlmHead(network.Config, network.Encoder.Embeddings.Word.Weight);
        try
        {
            HeadLoaded = MlmHeads.LoadOrInitialize(Head, network.Config.InitializerRange, modelDirectory, seed);
        }
        catch
        {
            Head.Dispose();
            throw;
        }
    }

    public TaskNetwork Network { get; }

    /// <summary>The MLM head (its decoder is the encoder's word embeddings).</summary>
    public MlmHead Head { get; }

    /// <summary>Whether the head was loaded from the model folder (else initialized).</summary>
    public bool HeadLoaded { get; }

    /// <summary>W, the weight at the first step.</summary>
    public float InitialWeight { get; }

    /// <summary>The head's own parameters (trained with the network; the tied decoder is the encoder's).</summary>
    public IEnumerable<Parameter> Parameters => Head.Parameters();

    /// <summary>w(t) = W·(T − t)/T for the step after <paramref name="stepsTaken"/> = t of <paramref name="totalSteps"/> = T.</summary>
    public float Weight(int stepsTaken, int totalSteps) =>
        InitialWeight * Math.Max(0, totalSteps - stepsTaken) / Math.Max(1, totalSteps);

    /// <summary>The masked copy of a batch: ids [B·S] with 15% of each row's non-special tokens corrupted, and
    /// labels [B·S] (the original id where chosen, -100 elsewhere and on padding).</summary>
    public (BertBatch Inputs, int[] Labels) Mask(BertBatch batch, int stepsTaken, int microBatch)
    {
        int b = batch.Batch, s = batch.SequenceLength;
        var ids = (int[])batch.InputIds.Clone();
        var labels = new int[ids.Length];
        Array.Fill(labels, Masker.Ignore);
        for (int row = 0; row < b; row++)
        {
            int length = 0;
            while (length < s && batch.AttentionMask[row * s + length] != 0) length++;
            var random = new RandomStream(_seed, RandomPurpose.Masking, (ulong)stepsTaken, ((ulong)microBatch << 32) | (uint)row);
            _masker.Mask(ids.AsSpan(row * s, length), labels.AsSpan(row * s, length), random);
        }
        return (new BertBatch(b, s, ids, batch.TokenTypeIds, batch.AttentionMask), labels);
    }

    /// <summary>The MLM loss [1] (mean over the chosen tokens) of the masked copy of <paramref name="batch"/>.</summary>
    public Tensor Loss(Graph g, TaskBatch batch, int stepsTaken, int microBatch)
    {
        var (inputs, labels) = Mask(batch.Inputs, stepsTaken, microBatch);
        var h = Network.Encoder.Forward(g, inputs).LastHiddenState;   // [B, S, H]
        return Head.Loss(g, h, labels);
    }

    public void Dispose() => Head.Dispose();
}
