using BertCore.Autograd;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tensors;

namespace BertCore.Nn.Heads;

/// <summary>Outputs of <see cref="BertForPreTraining.Forward"/>; arena tensors valid until the graph's Reset.
/// A value type, so a training step allocates nothing on the managed heap.</summary>
public readonly struct PreTrainingOutput
{
    public required BertOutput Encoder { get; init; }
    /// <summary>MLM logits [B, S, V] when requested.</summary>
    public Tensor? MlmLogits { get; init; }
    /// <summary>NSP logits [B, 2] (0 = B follows A, 1 = B is random).</summary>
    public Tensor? NspLogits { get; init; }
    /// <summary>[1] each, when labels were given; Loss = MlmLoss + NspLoss.</summary>
    public Tensor? MlmLoss { get; init; }
    public Tensor? NspLoss { get; init; }
    public Tensor? Loss { get; init; }
}

/// <summary>
/// Hugging Face BertForPreTraining: the encoder with the masked-LM head and the NSP (or SOP) head. Either head
/// can be left out (a RoBERTa-style MLM-only model has no NSP head; a bare BertModel checkpoint has neither).
/// </summary>
public sealed class BertForPreTraining : Module
{
    public BertForPreTraining(BertConfig config, bool withMlm = true, bool withNsp = true, bool withPooler = true) : base("")
    {
        if (withNsp && !withPooler) throw new ArgumentException("the NSP head reads the pooler output");
        Bert = AddModule(new BertEncoder(config, withPooler));
        Mlm = withMlm ? AddModule(new MlmHead(config, Bert.Embeddings.Word.Weight)) : null;
        Nsp = withNsp ? AddModule(new Linear("cls.seq_relationship", config.HiddenSize, 2)) : null;
    }

    public BertEncoder Bert { get; }
    public MlmHead? Mlm { get; }
    public Linear? Nsp { get; }
    public BertConfig Config => Bert.Config;

    /// <param name="mlmLabels">[B·S] token ids to predict, -100 elsewhere; null for no MLM loss.</param>
    /// <param name="nspLabels">[B] 0 (is next) or 1 (random); null for no NSP loss.</param>
    /// <param name="mlmLogits">Compute the full [B, S, V] logits (costly; the loss alone only projects masked rows).</param>
    public PreTrainingOutput Forward(Graph g, BertBatch batch, int[]? mlmLabels = null, int[]? nspLabels = null, bool mlmLogits = false)
    {
        var encoded = Bert.Forward(g, batch);
        var h = encoded.LastHiddenState;
        if ((mlmLogits || mlmLabels != null) && Mlm == null) throw new InvalidOperationException("this model has no MLM head");
        var logits = mlmLogits ? Mlm!.Forward(g, h) : null;
        var nspLogits = Nsp?.Forward(g, encoded.PoolerOutput!);
        var mlmLoss = mlmLabels == null ? null : Mlm!.Loss(g, h, mlmLabels);
        Tensor? nspLoss = null;
        if (nspLabels != null)
        {
            if (nspLogits == null) throw new InvalidOperationException("NSP labels given to a model without an NSP head");
            nspLoss = g.CrossEntropy(nspLogits, g.Input(nspLabels, batch.Batch));
        }
        var loss = mlmLoss != null && nspLoss != null ? g.Add(mlmLoss, nspLoss) : mlmLoss ?? nspLoss;
        return new PreTrainingOutput
        {
            Encoder = encoded, MlmLogits = logits, NspLogits = nspLogits, MlmLoss = mlmLoss, NspLoss = nspLoss, Loss = loss,
        };
    }

    public void Initialize(int seed)
    {
        Bert.Initialize(seed);
        var random = new Random(seed + 1);
        Mlm?.Initialize(Config.InitializerRange, random);
        Nsp?.Initialize(Config.InitializerRange, random);
    }
}
