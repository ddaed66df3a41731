namespace BertCore.IO;

public sealed partial record BertConfig
{
    /// <summary>Stands for the file in messages about a configuration built in code.</summary>
    private const string InMemory = "(config built in code)";

    /// <summary>
    /// Checks that BertCore can build this model: positive sizes, hidden size divisible by the head count,
    /// dropout probabilities in [0, 1), a positive LayerNorm eps, a known layer_norm_position, a pad id inside the vocabulary, labels
    /// consistent with <see cref="NumLabels"/>, and only the variants BertCore implements.
    /// </summary>
    /// <exception cref="InvalidFileException">The first problem found, naming <see cref="SourcePath"/> and the field.</exception>
    public void Validate()
    {
        Require(ModelType == "bert", "model_type", $"\"{ModelType}\" is not supported; BertCore reads \"bert\" configs only");
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Require(HiddenSize % NumAttentionHeads == 0, "hidden_size",
            $"{HiddenSize} is not divisible by num_attention_heads ({NumAttentionHeads})");
        Positive(IntermediateSize, "intermediate_size");
        Require(HiddenAct == "gelu", "hidden_act",
            $"\"{HiddenAct}\" is not supported; BertCore implements only \"gelu\" (the exact erf form)");
        Probability(HiddenDropoutProb, "hidden_dropout_prob");
        Probability(AttentionProbsDropoutProb, "attention_probs_dropout_prob");
        if (ClassifierDropout is float p) Probability(p, "classifier_dropout");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        Require(PositionEmbeddingType == "absolute", "position_embedding_type",
            $"\"{PositionEmbeddingType}\" is not supported; BertCore implements only \"absolute\"");
        Positive(TypeVocabSize, "type_vocab_size");
        Require(double.IsFinite(InitializerRange) && InitializerRange >= 0, "initializer_range",
            $"{InitializerRange} is not a finite non-negative standard deviation");
        Require(float.IsFinite(LayerNormEps) && LayerNormEps > 0, "layer_norm_eps", $"{LayerNormEps} is not positive");
        Require(LayerNormPosition is PostLayerNorm or PreLayerNorm, "layer_norm_position",
            $"\"{LayerNormPosition}\" is not supported; BertCore implements \"{PostLayerNorm}\" and \"{PreLayerNorm}\"");
        Require(PadTokenId >= 0 && PadTokenId < VocabSize, "pad_token_id",
            $"{PadTokenId} is outside the vocabulary [0, {VocabSize})");
        Positive(NumLabels, "num_labels");
        ValidateLabels();
    }

    private void ValidateLabels()
    {
        if (Id2Label is not null)
        {
            Require(Id2Label.Count == NumLabels, "id2label", $"has {Id2Label.Count} labels but num_labels is {NumLabels}");
            for (int i = 0; i < NumLabels; i++)
                Require(Id2Label.ContainsKey(i), "id2label", $"has no label for class {i} (ids must be 0 to {NumLabels - 1})");
        }
        if (Label2Id is not null)
        {
            Require(Label2Id.Count == NumLabels, "label2id", $"has {Label2Id.Count} labels but num_labels is {NumLabels}");
            foreach (var (label, id) in Label2Id)
            {
                Require(id >= 0 && id < NumLabels, "label2id", $"maps \"{label}\" to {id}, outside [0, {NumLabels})");
                Require(Id2Label is null || Id2Label[id] == label, "label2id",
                    $"maps \"{label}\" to {id}, but id2label names class {id} \"{Id2Label?[id]}\"");
            }
        }
    }

    private void Positive(int value, string field) => Require(value > 0, field, $"{value} is not positive");

    private void Probability(float value, string field) =>
        Require(value >= 0 && value < 1, field, $"{value} is not a probability in [0, 1)");

    private void Require(bool condition, string field, FormattableString problem)
    {
        if (!condition)
            throw new InvalidFileException(SourcePath ?? InMemory, null, $"field '{field}': {FormattableString.Invariant(problem)}");
    }
}
