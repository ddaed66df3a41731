using System.Text.Json.Nodes;

namespace BertCore.IO;

/// <summary>
/// The hyper-parameters of a BERT model, as Hugging Face's <c>config.json</c> (<c>BertConfig</c>) names them.
/// Defaults are HF's, which are BERT-base's. Load and save with <see cref="Load"/> and <see cref="Save"/>;
/// fields BertCore does not use are kept in <see cref="Extra"/> and written back on save.
/// </summary>
public sealed partial record BertConfig
{
    /// <summary>vocab_size: rows of the word-embedding table.</summary>
    public int VocabSize { get; init; } = 30522;

    /// <summary>hidden_size: width of every layer's input and output.</summary>
    public int HiddenSize { get; init; } = 768;

    /// <summary>num_hidden_layers: number of encoder layers.</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary>num_attention_heads: heads per attention layer; divides <see cref="HiddenSize"/>.</summary>
    public int NumAttentionHeads { get; init; } = 12;

    /// <summary>intermediate_size: width of the feed-forward layer inside each encoder layer.</summary>
    public int IntermediateSize { get; init; } = 3072;

    /// <summary>hidden_act: the feed-forward activation; BertCore implements "gelu" (the exact erf form) only.</summary>
    public string HiddenAct { get; init; } = "gelu";

    /// <summary>hidden_dropout_prob: dropout after embeddings, attention output and feed-forward output.</summary>
    public float HiddenDropoutProb { get; init; } = 0.1f;

    /// <summary>attention_probs_dropout_prob: dropout on the attention probabilities.</summary>
    public float AttentionProbsDropoutProb { get; init; } = 0.1f;

    /// <summary>classifier_dropout: dropout before a classification head; null means <see cref="HiddenDropoutProb"/>.</summary>
    public float? ClassifierDropout { get; init; }

    /// <summary>max_position_embeddings: the longest sequence the position-embedding table covers.</summary>
    public int MaxPositionEmbeddings { get; init; } = 512;

    /// <summary>position_embedding_type: BertCore implements "absolute" (learned, one row per position) only.</summary>
    public string PositionEmbeddingType { get; init; } = "absolute";

    /// <summary>type_vocab_size: rows of the token-type (segment) embedding table.</summary>
    public int TypeVocabSize { get; init; } = 2;

    /// <summary>initializer_range: standard deviation of the normal initialization of weights.</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>layer_norm_eps: the epsilon of every LayerNorm.</summary>
    public float LayerNormEps { get; init; } = 1e-12f;

    /// <summary>
    /// layer_norm_position (a BertCore field): "post" (Hugging Face's BERT, the default) normalizes after each residual
    /// addition; "pre" normalizes each sublayer's input, a = h + attention(LN1(h)), out = a + ffn(LN2(a)), and adds one
    /// final LayerNorm over the last layer's output ("bert.encoder.LayerNorm", a name with "LayerNorm" in it, so no weight decay). transformers' BertModel ignores
    /// the field and cannot run a "pre" model (<see cref="TransformersIncompatibility"/>).
    /// </summary>
    public string LayerNormPosition { get; init; } = PostLayerNorm;

    /// <summary>encoder_linear_bias (a BertCore field): false leaves out the bias of the six Linear layers in every
    /// encoder layer (query, key, value, attention output, intermediate, output; as Cramming does). The embeddings,
    /// every LayerNorm, the pooler and the heads keep theirs. transformers' BertModel cannot load such weights.</summary>
    public bool EncoderLinearBias { get; init; } = true;

    /// <summary>pad_token_id: the id of [PAD].</summary>
    public int PadTokenId { get; init; }

    /// <summary>num_labels: outputs of a classification head. HF derives it from id2label when that is given.</summary>
    public int NumLabels { get; init; } = 2;

    /// <summary>id2label: class index → name (stored with string keys "0", "1", ... in the file).</summary>
    public IReadOnlyDictionary<int, string>? Id2Label { get; init; }

    /// <summary>label2id: class name → index, the inverse of <see cref="Id2Label"/>.</summary>
    public IReadOnlyDictionary<string, int>? Label2Id { get; init; }

    /// <summary>problem_type: "regression", "single_label_classification" or "multi_label_classification", or null.</summary>
    public string? ProblemType { get; init; }

    /// <summary>architectures: the HF model classes these weights were saved from, e.g. "BertForPreTraining".</summary>
    public IReadOnlyList<string>? Architectures { get; init; }

    /// <summary>model_type: always "bert".</summary>
    public string ModelType { get; init; } = "bert";

    /// <summary>Every other field of the file, kept as it was and written back by <see cref="Save"/>. Keys that
    /// name one of the fields above are ignored on save.</summary>
    public JsonObject Extra { get; init; } = new();

    /// <summary>The file this configuration was loaded from, named in validation errors; null when built in code.</summary>
    public string? SourcePath { get; init; }

    /// <summary>The <see cref="LayerNormPosition"/> of Hugging Face's BERT.</summary>
    public const string PostLayerNorm = "post";

    /// <summary>The <see cref="LayerNormPosition"/> of pre-LayerNorm layers with a final LayerNorm.</summary>
    public const string PreLayerNorm = "pre";

    /// <summary>Whether the layers are pre-LayerNorm (<see cref="LayerNormPosition"/> "pre").</summary>
    public bool IsPreLayerNorm => LayerNormPosition == PreLayerNorm;

    /// <summary>Why transformers' BertModel cannot run this model (it would ignore the BertCore fields and run a
    /// post-LayerNorm model with biases, or fail to load), or null when it can.</summary>
    public string? TransformersIncompatibility =>
        (IsPreLayerNorm, EncoderLinearBias) switch
        {
            (false, true) => null,
            (true, true) => "pre-LayerNorm layers (layer_norm_position \"pre\")",
            (false, false) => "encoder linears without bias (encoder_linear_bias false)",
            (true, false) => "pre-LayerNorm layers (layer_norm_position \"pre\") and encoder linears without bias (encoder_linear_bias false)",
        } is { } what ? $"{what}: transformers' BertModel cannot run this model" : null;

    /// <summary>Width of one attention head: <see cref="HiddenSize"/> / <see cref="NumAttentionHeads"/>.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>The names <see cref="Preset"/> accepts, smallest first.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "mini", "small", "base"];

    /// <summary>
    /// A standard size: "tiny" (2 layers, hidden 128, 2 heads, FFN 512), "mini" (4, 256, 4, 1024),
    /// "small" (4, 512, 8, 2048) or "base" (12, 768, 12, 3072); the rest as BERT-base (vocabulary 30522,
    /// 512 positions, 2 token types, LayerNorm eps 1e-12, dropout 0.1, exact GELU).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="PresetNames"/>.</exception>
    public static BertConfig Preset(string name)
    {
        var (layers, hidden, heads, intermediate) = name switch
        {
            "tiny" => (2, 128, 2, 512),
            "mini" => (4, 256, 4, 1024),
            "small" => (4, 512, 8, 2048),
            "base" => (12, 768, 12, 3072),
            _ => throw new ArgumentException(
                $"unknown preset '{name}'; the presets are {string.Join(", ", PresetNames)}", nameof(name)),
        };
        return new BertConfig
        {
            NumHiddenLayers = layers, HiddenSize = hidden, NumAttentionHeads = heads, IntermediateSize = intermediate,
        };
    }
}
