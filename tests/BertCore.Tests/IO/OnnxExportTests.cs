using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Inference.Onnx;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Adapters;
using BertCore.Training.FineTuning.Representations;
using Microsoft.ML.OnnxRuntime;
using Xunit;

namespace BertCore.Tests.IO;

/// <summary>
/// <see cref="OnnxExport"/> against an independent runtime: ONNX Runtime running the exported file reproduces the
/// engine's outputs for the encoder and every task model (each head, pooling, external features, adapters) on
/// batches of mixed lengths with padding, at two batch sizes and sequence lengths of the same file.
/// </summary>
public class OnnxExportTests : IDisposable
{
    /// <summary>The bar: max |ONNX Runtime − engine| ≤ 1e-4. Both compute in fp32 in other orders
    /// (summation, exp, erf), so differences are near 1e-6 on outputs of magnitude ~1.</summary>
    private const double Tolerance = 1e-4;

    /// <summary>A tiny encoder; ε = 0.01 is large enough that a LayerNorm ignoring the config's ε is caught.</summary>
    private static readonly BertConfig Config = new()
    {
        VocabSize = 40, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 24,
        MaxPositionEmbeddings = 24, LayerNormEps = 0.01f,
    };

    /// <summary>Two batches of the same file: 3 rows of 7 tokens (lengths 7, 4, 2) and 2 rows of 12 (lengths 5, 12).</summary>
    private static readonly (int Batch, int Sequence, int[] Lengths)[] Batches = [(3, 7, [7, 4, 2]), (2, 12, [5, 12])];

    private const int ExternalWidth = 3;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> TaskModels =>
    [
        "classify", "pair", "regress", "ner", "qa",
        "classify mean", "regress max", "pair concat-last-3", "classify scalar-mix", "classify cls external",
        "classify adapters", "ner adapters", "qa adapters",
    ];

    [Theory]
    [MemberData(nameof(TaskModels))]
    public void Onnx_runtime_reproduces_every_task_model(string description)
    {
        string dir = _folder.File("model"), onnx = _folder.File("model.onnx");
        using var network = SaveTaskModel(description, dir);
        var summary = OnnxExport.Export(dir, onnx);
        Assert.Equal(network.Spec.Task.Name(), summary.Model);
        var expectedOutputs = network.Spec.Task == TaskKind.Qa ? new[] { "start_logits", "end_logits" } : ["logits"];
        Assert.Equal(expectedOutputs, summary.Outputs);
        Assert.Equal(network.Spec.ExternalFeatures > 0 ? 4 : 3, summary.Inputs.Count);

        using var session = new InferenceSession(onnx);
        foreach (var (b, s, lengths) in Batches)
        {
            var batch = Inputs(b, s, lengths, pair: network.Spec.Task is TaskKind.Pair or TaskKind.Qa);
            float[]? external = network.Spec.ExternalFeatures > 0 ? TestData.Uniform(b * ExternalWidth, 17 + s) : null;
            var engine = EngineOutputs(network, batch, external);
            var runtime = Run(session, batch, external);
            foreach (var (name, values) in engine) AssertClose(values, runtime[name], $"{description} {name} at {b}×{s}");
        }
    }

    [Fact]
    public void Onnx_runtime_reproduces_the_encoder_and_pooler_of_a_pretraining_folder()
    {
        string dir = _folder.File("encoder"), onnx = _folder.File("encoder.onnx");
        using var model = new BertForPreTraining(Config);
        model.Initialize(5);
        Randomize(model, 5);
        ModelDirectory.Save(dir, model, Config);
        var summary = OnnxExport.Export(dir, onnx);
        Assert.Equal("encoder", summary.Model);
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], summary.Inputs);
        Assert.Equal(["last_hidden_state", "pooler_output"], summary.Outputs);

        using var session = new InferenceSession(onnx);
        foreach (var (b, s, lengths) in Batches)
        {
            var batch = Inputs(b, s, lengths, pair: true);
            var runtime = Run(session, batch, null);
            using var g = new Graph(new CpuBackend());
            using var noGrad = g.NoGrad();
            var encoded = model.Bert.Forward(g, batch);
            AssertClose(encoded.LastHiddenState.ToArray(), runtime["last_hidden_state"], $"last_hidden_state at {b}×{s}");
            AssertClose(encoded.PoolerOutput!.ToArray(), runtime["pooler_output"], $"pooler_output at {b}×{s}");
        }
    }

    /// <summary>An oracle independent of the engine: the PyTorch fixture (tools/reference), exported and run by ONNX
    /// Runtime, gives the hidden states and pooler output transformers computed (same 1e-4 bar as the parity tests).</summary>
    [Fact]
    public void Onnx_runtime_on_the_export_of_the_pytorch_fixture_gives_the_pytorch_outputs()
    {
        string onnx = _folder.File("fixture.onnx");
        OnnxExport.Export(Fixtures.Path("bert", "model"), onnx);
        using var io = SafeTensorsFile.Open(Fixtures.Path("bert", "io.safetensors"));
        var shape = io.Info("input_ids").Shape;
        var batch = new BertBatch(shape[0], shape[1], io.Ints("input_ids"), io.Ints("token_type_ids"), io.Ints("attention_mask"));
        Assert.Contains(0, batch.AttentionMask);
        using var session = new InferenceSession(onnx);
        var runtime = Run(session, batch, null);
        AssertClose(io.Floats("last_hidden_state"), runtime["last_hidden_state"], "fixture last_hidden_state");
        AssertClose(io.Floats("pooler_output"), runtime["pooler_output"], "fixture pooler_output");
    }

    /// <summary>A pre-LayerNorm encoder, with and without linear biases, exports as its own graph: ONNX Runtime gives the
    /// hidden state and pooler output PyTorch computed (tools/reference/make_preln_fixture.py); import refuses the file,
    /// as it reads post-LayerNorm graphs only.</summary>
    [Theory]
    [InlineData("bias")]
    [InlineData("nobias")]
    public void Onnx_runtime_on_the_export_of_a_pre_ln_fixture_gives_the_pytorch_outputs(string variant)
    {
        string onnx = _folder.File($"preln-{variant}.onnx");
        OnnxExport.Export(Fixtures.Path("preln", variant, "model"), onnx);
        using var io = SafeTensorsFile.Open(Fixtures.Path("preln", variant, "io.safetensors"));
        var shape = io.Info("input_ids").Shape;
        var batch = new BertBatch(shape[0], shape[1], io.Ints("input_ids"), io.Ints("token_type_ids"), io.Ints("attention_mask"));
        using (var session = new InferenceSession(onnx))
        {
            var runtime = Run(session, batch, null);
            AssertClose(io.Floats("hidden_states.2"), runtime["last_hidden_state"], $"{variant} last_hidden_state");
            AssertClose(io.Floats("pooler_output"), runtime["pooler_output"], $"{variant} pooler_output");
        }
        var error = Assert.Throws<InvalidFileException>(() => ModelImport.FromOnnx(onnx, _folder.File($"imported-{variant}")));
        Assert.Contains("pre-LayerNorm", error.Message);
        Assert.False(Directory.Exists(_folder.File($"imported-{variant}")));
    }

    [Fact]
    public void Every_linear_is_a_matmul_whose_bias_add_names_the_layer_and_an_encoder_drops_the_bert_prefix()
    {
        string dir = _folder.File("encoder"), onnx = _folder.File("encoder.onnx");
        using (var model = new BertForPreTraining(Config, withMlm: false, withNsp: false))
            ModelDirectory.Save(dir, model, Config);
        OnnxExport.Export(dir, onnx);
        var graph = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx)).Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name, t => t.Dims.ToArray());
        var matMuls = graph.Node.Where(n => n.OpType == "MatMul" && initializers.ContainsKey(n.Input[1])).ToArray();
        Assert.Equal(Config.NumHiddenLayers * 6 + 1, matMuls.Length);   // Q, K, V, attention output, intermediate, output; pooler
        foreach (var matMul in matMuls)
        {
            var add = Assert.Single(graph.Node, n => n.Input.Contains(matMul.Output[0]));
            Assert.Equal("Add", add.OpType);
            string layer = Assert.Single(add.Input, initializers.ContainsKey)[..^".bias".Length];
            Assert.Equal("onnx::MatMul_" + layer + ".weight", matMul.Input[1]);
            Assert.Equal(initializers[layer + ".bias"][0], initializers[matMul.Input[1]][1]);   // [in, out]
        }
        Assert.Contains("embeddings.word_embeddings.weight", initializers.Keys);
        Assert.Contains("encoder.layer.1.output.LayerNorm.bias", initializers.Keys);
        Assert.DoesNotContain(initializers.Keys, name => name.Contains("bert.", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_opset_from_13_to_17_runs_and_others_are_refused_without_output()
    {
        string dir = _folder.File("model");
        using var network = SaveTaskModel("classify", dir);
        var batch = Inputs(3, 7, [7, 4, 2], pair: false);
        var expected = EngineOutputs(network, batch, null)["logits"];
        for (int opset = OnnxExportOptions.MinOpset; opset <= OnnxExportOptions.MaxOpset; opset++)
        {
            string onnx = _folder.File($"opset{opset}.onnx");
            OnnxExport.Export(dir, onnx, new OnnxExportOptions { Opset = opset });
            Assert.Equal(opset, global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx)).OpsetImport.Single().Version);
            using var session = new InferenceSession(onnx);
            AssertClose(expected, Run(session, batch, null)["logits"], $"opset {opset}");
        }
        foreach (int opset in new[] { 12, 18 })
        {
            var e = Assert.Throws<ArgumentException>(() => OnnxExport.Export(dir, _folder.File("bad.onnx"), new OnnxExportOptions { Opset = opset }));
            Assert.Contains($"opsets 13 to 17, not {opset}", e.Message);
        }
        Assert.False(File.Exists(_folder.File("bad.onnx")));
    }

    [Theory]
    [InlineData(ModelDirectory.WeightsFile)]
    [InlineData(ModelDirectory.ConfigFile)]
    [InlineData(AdapterTuning.FileName)]
    public void A_folder_missing_a_file_is_named_and_leaves_no_output(string missing)
    {
        string dir = _folder.File("model"), output = Path.Combine(_folder.Root, "out", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        SaveTaskModel(missing == AdapterTuning.FileName ? "classify adapters" : "classify", dir).Dispose();
        File.Delete(Path.Combine(dir, missing));
        var e = Assert.ThrowsAny<IOException>(() => OnnxExport.Export(dir, output));
        Assert.Contains(Path.Combine(dir, missing), e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(output)!));
    }

    [Fact]
    public void The_cli_exports_a_task_model_and_reports_a_missing_file()
    {
        string dir = _folder.File("model"), onnx = _folder.File("cli.onnx");
        SaveTaskModel("qa", dir).Dispose();
        var ok = CliRunner.Run("export-onnx", "--model", dir, "--output", onnx, "--opset", "15");
        Assert.True(ok.ExitCode == 0, ok.StdErr);
        Assert.Contains("qa model, opset 15", ok.StdErr);
        using (var session = new InferenceSession(onnx))
            Assert.Equal(["start_logits", "end_logits"], session.OutputNames);

        File.Delete(Path.Combine(dir, ModelDirectory.WeightsFile));
        string failed = _folder.File("failed.onnx");
        var bad = CliRunner.Run("export-onnx", "--model", dir, "--output", failed);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains(Path.Combine(dir, ModelDirectory.WeightsFile), bad.StdErr);
        Assert.False(File.Exists(failed));
    }

    /// <summary>
    /// Saves a random task model described as "TASK [POOLING] [external] [adapters]" in <paramref name="dir"/> and
    /// returns it. Adapter models name a base folder beside it holding the encoder.
    /// </summary>
    private TaskNetwork SaveTaskModel(string description, string dir)
    {
        var words = description.Split(' ');
        var task = TaskKinds.Parse(words[0]);
        var labels = task switch
        {
            TaskKind.Ner => new LabelVocabulary(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]),
            TaskKind.Classify or TaskKind.Pair => new LabelVocabulary(["a", "b", "c"]),
            _ => null,
        };
        bool adapters = words.Contains("adapters");
        var pooling = words.Skip(1).Where(w => w is not ("external" or "adapters")).Select(Pooling.Parse).SingleOrDefault();
        var spec = TaskSpec.Create(task, labels, 24) with
        {
            Pooling = pooling,
            ExternalFeatures = words.Contains("external") ? ExternalWidth : 0,
            AdapterSize = adapters ? 4 : 0,
            BaseModel = adapters ? _folder.File("base") : null,
        };
        var network = TaskNetwork.Create(spec, Config);
        network.Initialize(3);
        Randomize(network.Model, 3);
        if (adapters) ModelDirectory.Save(spec.BaseModel!, network.Encoder, network.Config);
        TaskModelDirectory.Save(dir, network, vocabSource: null);
        return network;
    }

    /// <summary>Every parameter uniform in ±0.3 (LayerNorm weights 1 ± 0.3, the scalar mix's logits ±1): no zero
    /// bias or unit scale that would hide a missing term, and adapters that are not the identity.</summary>
    private static void Randomize(Module model, int seed)
    {
        int i = 0;
        foreach (var p in model.Parameters())
        {
            bool unitScale = p.Name.EndsWith("LayerNorm.weight", StringComparison.Ordinal) || p.Name == "scalar_mix.scale";
            var values = TestData.Uniform(checked((int)p.Value.Count), seed * 1000 + i++, p.Name == "scalar_mix.weights" ? 1f : 0.3f);
            for (int j = 0; j < values.Length; j++) p.Value.Span[j] = unitScale ? 1 + values[j] : values[j];
        }
    }

    /// <summary>Random ids [B, S] with rows of <paramref name="lengths"/> real tokens then padding (id 0, mask 0);
    /// for pairs the second half of each row's real tokens has segment 1.</summary>
    private static BertBatch Inputs(int b, int s, int[] lengths, bool pair)
    {
        var ids = TestData.Ints(b * s, 100 + s, Config.VocabSize - 1);
        var mask = new int[b * s];
        var types = new int[b * s];
        for (int row = 0; row < b; row++)
            for (int t = 0; t < s; t++)
            {
                int at = row * s + t;
                bool real = t < lengths[row];
                ids[at] = real ? ids[at] + 1 : 0;
                mask[at] = real ? 1 : 0;
                types[at] = pair && real && t >= lengths[row] / 2 ? 1 : 0;
            }
        return new BertBatch(b, s, ids, types, mask);
    }

    /// <summary>The engine's outputs under the exported names.</summary>
    private static Dictionary<string, float[]> EngineOutputs(TaskNetwork network, BertBatch batch, float[]? external)
    {
        using var g = new Graph(new CpuBackend());
        using var noGrad = g.NoGrad();
        var output = network.Forward(g, new TaskBatch(batch, Enumerable.Range(0, batch.Batch).ToArray(), null, null, null, null) { External = external });
        return network.Spec.Task == TaskKind.Qa
            ? new() { ["start_logits"] = output.Logits.ToArray(), ["end_logits"] = output.EndLogits!.ToArray() }
            : new() { ["logits"] = output.Logits.ToArray() };
    }

    /// <summary>Runs the ONNX file in ONNX Runtime: int64 inputs as Hugging Face's exports take them; every output by name.</summary>
    private static Dictionary<string, float[]> Run(InferenceSession session, BertBatch batch, float[]? external)
    {
        long[] shape = [batch.Batch, batch.SequenceLength];
        var values = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(batch.InputIds, v => (long)v), shape),
            OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(batch.AttentionMask, v => (long)v), shape),
            OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(batch.TokenTypeIds, v => (long)v), shape),
        };
        var names = new List<string> { "input_ids", "attention_mask", "token_type_ids" };
        if (external != null)
        {
            values.Add(OrtValue.CreateTensorValueFromMemory(external, [batch.Batch, external.Length / batch.Batch]));
            names.Add(OnnxExport.ExternalFeaturesInput);
        }
        try
        {
            using var options = new RunOptions();
            using var outputs = session.Run(options, names, values, session.OutputNames);
            return session.OutputNames.Zip(outputs).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= Tolerance, $"{what}: max |ONNX Runtime − expected| = {worst:E2} > {Tolerance:E0}");
        Assert.True(expected.Any(v => Math.Abs(v) > 0.05), $"{what}: the outputs are all near zero, which would prove nothing");
    }
}
