using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BertCore.IO;

public sealed partial record BertConfig
{
    /// <summary>
    /// Reads a Hugging Face <c>config.json</c>. Absent fields take HF's defaults; num_labels, when absent, is the
    /// number of id2label entries (or 2). Unknown fields go to <see cref="Extra"/>. The result is validated.
    /// </summary>
    /// <exception cref="InvalidFileException">The file is not JSON, a field has the wrong type, or
    /// <see cref="Validate"/> fails; the message names the file, the field and, for syntax errors, the line.</exception>
    public static BertConfig Load(string path)
    {
        var fields = new ConfigFieldReader(path, ParseObject(path));
        var defaults = new BertConfig();
        var id2Label = fields.IdToString("id2label");
        var config = new BertConfig
        {
            SourcePath = path,
            ModelType = fields.String("model_type") ?? defaults.ModelType,
            VocabSize = fields.Int("vocab_size") ?? defaults.VocabSize,
            HiddenSize = fields.Int("hidden_size") ?? defaults.HiddenSize,
            NumHiddenLayers = fields.Int("num_hidden_layers") ?? defaults.NumHiddenLayers,
            NumAttentionHeads = fields.Int("num_attention_heads") ?? defaults.NumAttentionHeads,
            IntermediateSize = fields.Int("intermediate_size") ?? defaults.IntermediateSize,
            HiddenAct = fields.String("hidden_act") ?? defaults.HiddenAct,
            HiddenDropoutProb = fields.Float("hidden_dropout_prob") ?? defaults.HiddenDropoutProb,
            AttentionProbsDropoutProb = fields.Float("attention_probs_dropout_prob") ?? defaults.AttentionProbsDropoutProb,
            ClassifierDropout = fields.Float("classifier_dropout"),
            MaxPositionEmbeddings = fields.Int("max_position_embeddings") ?? defaults.MaxPositionEmbeddings,
            PositionEmbeddingType = fields.String("position_embedding_type") ?? defaults.PositionEmbeddingType,
            TypeVocabSize = fields.Int("type_vocab_size") ?? defaults.TypeVocabSize,
            InitializerRange = fields.Double("initializer_range") ?? defaults.InitializerRange,
            LayerNormEps = fields.Float("layer_norm_eps") ?? defaults.LayerNormEps,
            LayerNormPosition = fields.String("layer_norm_position") ?? defaults.LayerNormPosition,
            EncoderLinearBias = fields.Bool("encoder_linear_bias") ?? defaults.EncoderLinearBias,
            PadTokenId = fields.Int("pad_token_id") ?? defaults.PadTokenId,
            NumLabels = fields.Int("num_labels") ?? id2Label?.Count ?? defaults.NumLabels,
            Id2Label = id2Label,
            Label2Id = fields.StringToId("label2id"),
            ProblemType = fields.String("problem_type"),
            Architectures = fields.Strings("architectures"),
            Extra = fields.Unread(),  // last: initializers run in order, so every known field has been read
        };
        config.Validate();
        return config;
    }

    /// <summary>
    /// Validates, then writes the configuration as HF does (keys sorted, two-space indent, trailing newline),
    /// atomically: readers see the old file or the new one. Null optional fields are left out, and so are
    /// layer_norm_position and encoder_linear_bias when they describe Hugging Face's BERT ("post", true).
    /// </summary>
    public void Save(string path)
    {
        Validate();
        var fields = Fields();
        foreach (var (key, value) in Extra)
            if (!fields.ContainsKey(key)) fields[key] = value;

        AtomicFile.Write(path, stream =>
        {
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
            {
                json.WriteStartObject();
                foreach (var (key, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    json.WritePropertyName(key);
                    if (value is null) json.WriteNullValue();
                    else value.WriteTo(json);
                }
                json.WriteEndObject();
            }
            stream.Write("\n"u8);
        });
    }

    /// <summary>The known fields under their HF names, optional ones only when set.</summary>
    private Dictionary<string, JsonNode?> Fields()
    {
        var fields = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["intermediate_size"] = IntermediateSize,
            ["hidden_act"] = HiddenAct,
            ["hidden_dropout_prob"] = HiddenDropoutProb,
            ["attention_probs_dropout_prob"] = AttentionProbsDropoutProb,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["position_embedding_type"] = PositionEmbeddingType,
            ["type_vocab_size"] = TypeVocabSize,
            ["initializer_range"] = InitializerRange,
            ["layer_norm_eps"] = LayerNormEps,
            ["pad_token_id"] = PadTokenId,
            ["num_labels"] = NumLabels,
        };
        if (IsPreLayerNorm) fields["layer_norm_position"] = LayerNormPosition;   // BertCore's fields only when they differ from HF's BERT
        if (!EncoderLinearBias) fields["encoder_linear_bias"] = false;
        if (ClassifierDropout is float dropout) fields["classifier_dropout"] = dropout;
        if (ProblemType is not null) fields["problem_type"] = ProblemType;
        if (Architectures is not null) fields["architectures"] = new JsonArray(Architectures.Select(a => (JsonNode?)a).ToArray());
        if (Id2Label is not null)
            fields["id2label"] = new JsonObject(Id2Label
                .Select(p => KeyValuePair.Create(p.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)p.Value))
                .OrderBy(p => p.Key, StringComparer.Ordinal));  // "10" before "2", as Python's sort_keys
        if (Label2Id is not null)
            fields["label2id"] = new JsonObject(Label2Id.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        return fields;
    }

    private static JsonObject ParseObject(string path)
    {
        JsonNode? root = JsonFile.Parse(path);
        return root as JsonObject
            ?? throw new InvalidFileException(path, null, $"the top level is {root?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}, not a JSON object");
    }
}
