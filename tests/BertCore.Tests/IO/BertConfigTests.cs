using System.Text.Json.Nodes;
using BertCore.IO;
using Xunit;

namespace BertCore.Tests.IO;

public class BertConfigTests
{
    /// <summary>bert-base-uncased's config.json as published on the Hugging Face hub.</summary>
    private const string BertBaseUncased = """
        {
          "architectures": [
            "BertForMaskedLM"
          ],
          "attention_probs_dropout_prob": 0.1,
          "gradient_checkpointing": false,
          "hidden_act": "gelu",
          "hidden_dropout_prob": 0.1,
          "hidden_size": 768,
          "initializer_range": 0.02,
          "intermediate_size": 3072,
          "layer_norm_eps": 1e-12,
          "max_position_embeddings": 512,
          "model_type": "bert",
          "num_attention_heads": 12,
          "num_hidden_layers": 12,
          "pad_token_id": 0,
          "position_embedding_type": "absolute",
          "transformers_version": "4.6.0.dev0",
          "type_vocab_size": 2,
          "use_cache": true,
          "vocab_size": 30522
        }
        """;

    private static string WriteText(TempFolder dir, string text)
    {
        string path = dir.File("config.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void LoadsTheHubConfigOfBertBase()
    {
        using var dir = new TempFolder();
        var c = BertConfig.Load(WriteText(dir, BertBaseUncased));
        var preset = BertConfig.Preset("base");

        Assert.Equal((preset.VocabSize, preset.HiddenSize, preset.NumHiddenLayers, preset.NumAttentionHeads, preset.IntermediateSize),
            (c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize));
        Assert.Equal(64, c.HeadDim);
        Assert.Equal(1e-12f, c.LayerNormEps);
        Assert.Equal(0.1f, c.HiddenDropoutProb);
        Assert.Equal(0.02, c.InitializerRange);
        Assert.Equal(["BertForMaskedLM"], c.Architectures!);
        Assert.Equal(2, c.NumLabels);
        Assert.Null(c.Id2Label);
        Assert.Equal(dir.File("config.json"), c.SourcePath);
        Assert.Equal(["gradient_checkpointing", "transformers_version", "use_cache"], c.Extra.Select(p => p.Key).Order());
    }

    [Fact]
    public void SaveThenLoadKeepsEveryFieldAndUnknownFields()
    {
        using var dir = new TempFolder();
        string json = """
            {
              "model_type": "bert", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 3,
              "intermediate_size": 96, "vocab_size": 1000, "max_position_embeddings": 128, "type_vocab_size": 1,
              "hidden_dropout_prob": 0.25, "attention_probs_dropout_prob": 0.0, "classifier_dropout": 0.3,
              "initializer_range": 0.05, "layer_norm_eps": 1e-5, "pad_token_id": 3,
              "id2label": {"0": "O", "1": "B-PER", "2": "I-PER"}, "label2id": {"O": 0, "B-PER": 1, "I-PER": 2},
              "problem_type": "single_label_classification", "architectures": ["BertForTokenClassification"],
              "torch_dtype": "float32", "nested": {"z": [1, 2.5, null], "a": {"deep": true}}, "nothing": null
            }
            """;
        var loaded = BertConfig.Load(WriteText(dir, json));
        string saved = dir.File("saved.json");
        loaded.Save(saved);
        var again = BertConfig.Load(saved);

        Assert.Equal((64, 4, 3, 96, 1000, 128, 1), (again.HiddenSize, again.NumAttentionHeads, again.NumHiddenLayers,
            again.IntermediateSize, again.VocabSize, again.MaxPositionEmbeddings, again.TypeVocabSize));
        Assert.Equal((0.25f, 0f, 0.3f, 0.05, 1e-5f, 3), (again.HiddenDropoutProb, again.AttentionProbsDropoutProb,
            again.ClassifierDropout, again.InitializerRange, again.LayerNormEps, again.PadTokenId));
        Assert.Equal(3, again.NumLabels);
        Assert.Equal(new Dictionary<int, string> { [0] = "O", [1] = "B-PER", [2] = "I-PER" }, again.Id2Label!);
        Assert.Equal(new Dictionary<string, int> { ["O"] = 0, ["B-PER"] = 1, ["I-PER"] = 2 }, again.Label2Id!);
        Assert.Equal("single_label_classification", again.ProblemType);
        Assert.Equal(["BertForTokenClassification"], again.Architectures!);
        Assert.True(JsonNode.DeepEquals(loaded.Extra, again.Extra), again.Extra.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"torch_dtype":"float32","nested":{"z":[1,2.5,null],"a":{"deep":true}},"nothing":null}"""), again.Extra));

        string path2 = dir.File("saved2.json");
        again.Save(path2);
        Assert.Equal(File.ReadAllText(saved), File.ReadAllText(path2));
    }

    [Fact]
    public void SaveWritesSortedKeysWithStringLabelIdsLikeHuggingFace()
    {
        using var dir = new TempFolder();
        var labels = Enumerable.Range(0, 11).ToDictionary(i => i, i => $"L{i}");
        var config = new BertConfig { NumLabels = 11, Id2Label = labels };
        string path = dir.File("config.json");
        config.Save(path);

        string text = File.ReadAllText(path);
        Assert.EndsWith("}\n", text);
        Assert.Contains("\n  \"hidden_act\": \"gelu\",\n", text);
        var keys = JsonNode.Parse(text)!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        var ids = JsonNode.Parse(text)!["id2label"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["0", "1", "10", "2"], ids.Take(4));
        Assert.DoesNotContain("problem_type", keys);
    }

    [Fact]
    public void NumLabelsComesFromId2LabelWhenAbsent()
    {
        using var dir = new TempFolder();
        var c = BertConfig.Load(WriteText(dir, """{"id2label": {"0": "NEGATIVE", "1": "POSITIVE", "2": "NEUTRAL"}}"""));
        Assert.Equal(3, c.NumLabels);
        Assert.Equal("NEUTRAL", c.Id2Label![2]);
    }

    [Theory]
    [InlineData("tiny", 2, 128, 2, 512)]
    [InlineData("mini", 4, 256, 4, 1024)]
    [InlineData("small", 4, 512, 8, 2048)]
    [InlineData("base", 12, 768, 12, 3072)]
    public void Presets(string name, int layers, int hidden, int heads, int intermediate)
    {
        var c = BertConfig.Preset(name);
        Assert.Equal((layers, hidden, heads, intermediate), (c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize));
        Assert.Equal((30522, 512, 2, 1e-12f, 0.1f, 0.1f, "gelu"), (c.VocabSize, c.MaxPositionEmbeddings, c.TypeVocabSize,
            c.LayerNormEps, c.HiddenDropoutProb, c.AttentionProbsDropoutProb, c.HiddenAct));
        Assert.Equal(64, c.HeadDim);
        c.Validate();
    }

    [Fact]
    public void UnknownPresetNamesTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => BertConfig.Preset("large"));
        Assert.Contains("tiny, mini, small, base", e.Message);
    }

    [Fact]
    public void SyntaxErrorsNameFileAndLine()
    {
        using var dir = new TempFolder();
        string path = WriteText(dir, "{\n  \"hidden_size\": 768,\n  \"vocab_size\": ,\n}");
        var e = Assert.Throws<InvalidFileException>(() => BertConfig.Load(path));
        Assert.Equal(3, e.Line);
        Assert.StartsWith(path + ":3: not valid JSON", e.Message);
    }

    /// <summary>
    /// Minimized fuzz cases (tests/BertCore.Tests/Fuzzing): a repeated field threw ArgumentException and an unpaired
    /// surrogate escape InvalidOperationException from System.Text.Json when the field was first read.
    /// </summary>
    [Theory]
    [InlineData("{\"hidden_size\": 8,\n\"hidden_size\": 8}", 2, "property \"hidden_size\" appears twice in one object")]
    [InlineData("{\"\":[\"\"],\"\":0,\"\":0}", 1, "property \"\" appears twice in one object")]
    [InlineData("{\n\"model_type\": \"\\ud800\"}", 2, "a JSON string is not valid text")]
    [InlineData("{\"\\udc00\": 2}", 1, "a JSON string is not valid text")]
    public void RepeatedFieldsAndUnpairedSurrogatesNameFileAndLine(string json, int line, string problem)
    {
        using var dir = new TempFolder();
        string path = WriteText(dir, json);
        var e = Assert.Throws<InvalidFileException>(() => BertConfig.Load(path));
        Assert.StartsWith($"{path}:{line}: {problem}", e.Message);
    }

    /// <summary>A minimized fuzz case: a property name that is not UTF-8 threw InvalidOperationException.</summary>
    [Fact]
    public void InvalidUtf8InAFieldNameNamesFileAndLine()
    {
        using var dir = new TempFolder();
        string path = dir.File("config.json");
        File.WriteAllBytes(path, [.. "{\"hidden_size\": 8,\n\""u8, 0xFF, .. "\": 1}"u8]);
        var e = Assert.Throws<InvalidFileException>(() => BertConfig.Load(path));
        Assert.StartsWith($"{path}:2: a JSON string is not valid text", e.Message);
    }

    [Fact]
    public void TopLevelMustBeAnObject()
    {
        using var dir = new TempFolder();
        string path = WriteText(dir, "[1]");
        var e = Assert.Throws<InvalidFileException>(() => BertConfig.Load(path));
        Assert.Equal(path + ": the top level is array, not a JSON object", e.Message);
    }

    [Theory]
    [InlineData("""{"hidden_size": "768"}""", "field 'hidden_size': expected an integer, found \"768\"")]
    [InlineData("""{"hidden_size": 76.8}""", "field 'hidden_size': expected an integer, found 76.8")]
    [InlineData("""{"layer_norm_eps": "tiny"}""", "field 'layer_norm_eps': expected a number")]
    [InlineData("""{"hidden_act": 1}""", "field 'hidden_act': expected a string")]
    [InlineData("""{"architectures": "BertModel"}""", "field 'architectures': expected a list of strings")]
    [InlineData("""{"id2label": {"zero": "A"}}""", "field 'id2label': key \"zero\" is not a non-negative integer")]
    [InlineData("""{"id2label": {"1": "A", "01": "B"}}""", "field 'id2label': key \"01\" repeats id 1")]
    [InlineData("""{"label2id": {"A": "0"}}""", "field 'label2id': expected an integer id for \"A\"")]
    public void WrongFieldTypesNameFileAndField(string json, string problem)
    {
        using var dir = new TempFolder();
        string path = WriteText(dir, json);
        var e = Assert.Throws<InvalidFileException>(() => BertConfig.Load(path));
        Assert.StartsWith(path + ": " + problem, e.Message);
    }

    [Theory]
    [InlineData("""{"model_type": "distilbert"}""", "model_type", "\"distilbert\" is not supported")]
    [InlineData("""{"vocab_size": 0}""", "vocab_size", "0 is not positive")]
    [InlineData("""{"hidden_size": -768}""", "hidden_size", "-768 is not positive")]
    [InlineData("""{"num_hidden_layers": 0}""", "num_hidden_layers", "0 is not positive")]
    [InlineData("""{"num_attention_heads": 0}""", "num_attention_heads", "0 is not positive")]
    [InlineData("""{"num_attention_heads": 10}""", "hidden_size", "768 is not divisible by num_attention_heads (10)")]
    [InlineData("""{"intermediate_size": 0}""", "intermediate_size", "0 is not positive")]
    [InlineData("""{"hidden_act": "gelu_new"}""", "hidden_act", "\"gelu_new\" is not supported; BertCore implements only \"gelu\"")]
    [InlineData("""{"hidden_act": "relu"}""", "hidden_act", "\"relu\" is not supported")]
    [InlineData("""{"hidden_dropout_prob": 1.0}""", "hidden_dropout_prob", "1 is not a probability in [0, 1)")]
    [InlineData("""{"attention_probs_dropout_prob": -0.1}""", "attention_probs_dropout_prob", "-0.1 is not a probability")]
    [InlineData("""{"classifier_dropout": 1.5}""", "classifier_dropout", "1.5 is not a probability")]
    [InlineData("""{"max_position_embeddings": 0}""", "max_position_embeddings", "0 is not positive")]
    [InlineData("""{"position_embedding_type": "relative_key"}""", "position_embedding_type", "\"relative_key\" is not supported")]
    [InlineData("""{"type_vocab_size": 0}""", "type_vocab_size", "0 is not positive")]
    [InlineData("""{"initializer_range": -0.02}""", "initializer_range", "-0.02 is not a finite non-negative")]
    [InlineData("""{"layer_norm_eps": 0}""", "layer_norm_eps", "0 is not positive")]
    [InlineData("""{"pad_token_id": 30522}""", "pad_token_id", "30522 is outside the vocabulary [0, 30522)")]
    [InlineData("""{"num_labels": 0}""", "num_labels", "0 is not positive")]
    [InlineData("""{"num_labels": 3, "id2label": {"0": "A", "1": "B"}}""", "id2label", "has 2 labels but num_labels is 3")]
    [InlineData("""{"id2label": {"0": "A", "2": "B"}}""", "id2label", "has no label for class 1")]
    [InlineData("""{"id2label": {"0": "A", "1": "B"}, "label2id": {"A": 0}}""", "label2id", "has 1 labels but num_labels is 2")]
    [InlineData("""{"id2label": {"0": "A", "1": "B"}, "label2id": {"A": 1, "B": 0}}""", "label2id", "maps \"A\" to 1, but id2label names class 1 \"B\"")]
    [InlineData("""{"label2id": {"A": 0, "B": 5}}""", "label2id", "maps \"B\" to 5, outside [0, 2)")]
    public void ValidationErrorsNameFileAndField(string json, string field, string problem)
    {
        using var dir = new TempFolder();
        string path = WriteText(dir, json);
        var e = Assert.Throws<InvalidFileException>(() => BertConfig.Load(path));
        Assert.Equal(path, e.Path);
        Assert.StartsWith($"{path}: field '{field}': {problem}", e.Message);
    }

    [Fact]
    public void ValidatingAConfigBuiltInCodeSaysSo()
    {
        var e = Assert.Throws<InvalidFileException>(() => new BertConfig { HiddenSize = 100, NumAttentionHeads = 3 }.Validate());
        Assert.Equal("(config built in code): field 'hidden_size': 100 is not divisible by num_attention_heads (3)", e.Message);
    }

    [Fact]
    public void SavingAnInvalidConfigWritesNothing()
    {
        using var dir = new TempFolder();
        string path = dir.File("config.json");
        Assert.Throws<InvalidFileException>(() => new BertConfig { HiddenAct = "relu" }.Save(path));
        Assert.Empty(Directory.GetFiles(dir.Root));
    }
}
