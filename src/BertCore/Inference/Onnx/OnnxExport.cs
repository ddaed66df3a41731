using System.Reflection;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.IO.Onnx;
using BertCore.Training.FineTuning;
using Google.Protobuf;
using Onnx;

namespace BertCore.Inference.Onnx;

/// <summary>What <see cref="OnnxExport.Export"/> wrote.</summary>
/// <param name="Model">"encoder" or the task's name (classify, pair, regress, ner, qa).</param>
/// <param name="Inputs">The graph's inputs in order.</param>
/// <param name="Outputs">The graph's outputs in order.</param>
/// <param name="Bytes">Size of the written file.</param>
public sealed record OnnxExportSummary(string Model, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, int Opset, long Bytes)
{
    public override string ToString() =>
        $"{Model} model, opset {Opset}, inputs {string.Join(", ", Inputs)}; outputs {string.Join(", ", Outputs)}; {Bytes / 1e6:F1} MB";
}

/// <summary>
/// Exports a model folder to one ONNX file that ONNX Runtime (or any ONNX 1.12 reader) runs with the engine's
/// numerics: the bare encoder of a pretrained folder, or a fine-tuned task model of any task, head, pooling,
/// external features or adapters BertCore trains (<see cref="TaskModelDirectory"/>).
/// </summary>
/// <remarks>
/// Inputs and outputs are named as Hugging Face's exports, with dynamic <c>batch_size</c> and
/// <c>sequence_length</c> axes: <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c> (int64
/// [batch, sequence]; plus <c>external_features</c> float [batch, E] for a model that takes them);
/// <c>last_hidden_state</c> (and <c>pooler_output</c> when the checkpoint has a pooler) for an encoder,
/// <c>logits</c> for classify / pair / regress / ner, <c>start_logits</c> and <c>end_logits</c> for qa.
/// Initializers carry the Hugging Face parameter names (an encoder's without "bert.", as a BertModel export);
/// see <see cref="OnnxEncoderWriter"/> for the structure. Sequences longer than max_position_embeddings
/// cannot run. The file is one protobuf message, so models above 2 GiB are refused (no external data). A pre-LayerNorm
/// or bias-free model is exported as the graph it is (ONNX Runtime runs it); its doc string says that transformers'
/// BertModel cannot (<see cref="BertConfig.TransformersIncompatibility"/>).
/// </remarks>
/// <example>
/// <code>
/// OnnxExport.Export("runs/sst2", "sst2.onnx");   // logits [batch_size, 2]
/// </code>
/// </example>
public static class OnnxExport
{
    /// <summary>The name of the external features input.</summary>
    public const string ExternalFeaturesInput = "external_features";

    private const long ProtobufLimit = int.MaxValue;

    /// <summary>
    /// Writes the model in <paramref name="modelDir"/> to <paramref name="outputPath"/>, atomically (on any error
    /// nothing is left there; its folder is created once the model is built). A folder with bertcore_task.json, or
    /// whose config.json names a BertFor(SequenceClassification|TokenClassification|QuestionAnswering)
    /// architecture, is exported as its task model; any other as the bare encoder.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file of the folder is missing (named in the message).</exception>
    /// <exception cref="InvalidFileException">A file of the folder is malformed or lacks a parameter.</exception>
    /// <exception cref="ArgumentException">An opset outside <see cref="OnnxExportOptions.MinOpset"/>..<see cref="OnnxExportOptions.MaxOpset"/>.</exception>
    public static OnnxExportSummary Export(string modelDir, string outputPath, OnnxExportOptions? options = null)
    {
        options ??= new OnnxExportOptions();
        options.Validate();
        var (model, kind) = Build(modelDir, options);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        AtomicFile.Write(outputPath, model.WriteTo);
        return new OnnxExportSummary(kind, model.Graph.Input.Select(i => i.Name).ToArray(), model.Graph.Output.Select(o => o.Name).ToArray(),
            options.Opset, new FileInfo(outputPath).Length);
    }

    /// <summary>The ONNX model of the folder and what it is ("encoder" or the task's name).</summary>
    private static (ModelProto Model, string Kind) Build(string modelDir, OnnxExportOptions options) =>
        IsTaskModel(modelDir) ? TaskModelGraph(modelDir, options) : EncoderGraph(modelDir, options);

    /// <summary>A fine-tuned task model: the encoder with "bert." names, then the task's head.</summary>
    private static (ModelProto Model, string Kind) TaskModelGraph(string modelDir, OnnxExportOptions options)
    {
        using var network = TaskModelDirectory.Load(modelDir);
        var graph = new OnnxGraphBuilder("bertcore_" + network.Spec.Task.Name());
        var writer = new OnnxEncoderWriter(graph, bertPrefix: true);
        var (ids, mask, types) = EncoderInputs(graph);
        string? external = network.Spec.ExternalFeatures > 0
            ? graph.Input(ExternalFeaturesInput, TensorProto.Types.DataType.Float, OnnxTaskHeads.Batch, (long)network.Spec.ExternalFeatures)
            : null;
        var encoder = writer.Write(network.Encoder, ids, mask, types);
        foreach (var output in OnnxTaskHeads.Write(writer, network, encoder, mask, external))
            graph.Output(output.Value, output.Name, TensorProto.Types.DataType.Float, output.Dims);
        return (Finish(graph, options, modelDir, Described($"{network.Spec.Task.Architecture()} ({network.Spec.Task.Name()})", network.Config)), network.Spec.Task.Name());
    }

    /// <summary>The encoder of a pretrained folder (any pretraining heads are left out), with BertModel's names (no "bert.").</summary>
    private static (ModelProto Model, string Kind) EncoderGraph(string modelDir, OnnxExportOptions options)
    {
        using var pretrained = ModelDirectory.LoadPreTraining(modelDir);
        var graph = new OnnxGraphBuilder("bertcore_encoder");
        var (ids, mask, types) = EncoderInputs(graph);
        var values = new OnnxEncoderWriter(graph, bertPrefix: false).Write(pretrained.Bert, ids, mask, types);
        long hidden = pretrained.Config.HiddenSize;
        graph.Output(values.LastHiddenState, "last_hidden_state", TensorProto.Types.DataType.Float, OnnxTaskHeads.Batch, OnnxTaskHeads.Sequence, hidden);
        if (values.PoolerOutput != null)
            graph.Output(values.PoolerOutput, "pooler_output", TensorProto.Types.DataType.Float, OnnxTaskHeads.Batch, hidden);
        return (Finish(graph, options, modelDir, Described("BertModel", pretrained.Config)), "encoder");
    }

    /// <summary>What the graph is, for its doc string, with the reason transformers' BertModel could not run it, if any.</summary>
    private static string Described(string what, BertConfig config) =>
        config.TransformersIncompatibility is { } reason ? $"{what}-like BertCore model with {reason}" : what;

    /// <summary>Whether the folder holds a fine-tuned task model rather than a bare (or pretraining) encoder.</summary>
    private static bool IsTaskModel(string modelDir)
    {
        var config = ModelDirectory.LoadConfig(modelDir);
        // A bi-encoder (similarity) folder is exported as its encoder: ONNX Runtime users pool its last hidden state.
        if (File.Exists(Path.Combine(modelDir, TaskSpec.FileName))) return TaskSpec.Load(modelDir, config).Task != TaskKind.Similarity;
        var tasks = Enum.GetValues<TaskKind>().Where(t => t != TaskKind.Similarity).Select(t => t.Architecture()).ToHashSet();
        return (config.Architectures ?? []).Any(tasks.Contains);
    }

    /// <summary>input_ids, attention_mask, token_type_ids: int64 [batch_size, sequence_length], in Hugging Face's order.</summary>
    private static (string Ids, string Mask, string Types) EncoderInputs(OnnxGraphBuilder graph)
    {
        const TensorProto.Types.DataType int64 = TensorProto.Types.DataType.Int64;
        return (graph.Input("input_ids", int64, OnnxTaskHeads.Batch, OnnxTaskHeads.Sequence),
            graph.Input("attention_mask", int64, OnnxTaskHeads.Batch, OnnxTaskHeads.Sequence),
            graph.Input("token_type_ids", int64, OnnxTaskHeads.Batch, OnnxTaskHeads.Sequence));
    }

    /// <summary>The model of the finished graph, refused when its weights exceed what one protobuf message holds.</summary>
    private static ModelProto Finish(OnnxGraphBuilder graph, OnnxExportOptions options, string modelDir, string what)
    {
        if (graph.InitializerBytes >= ProtobufLimit)
            throw new InvalidOperationException($"{modelDir}: the weights take {graph.InitializerBytes / (1L << 20)} MiB, " +
                "above the 2 GiB a single ONNX protobuf file can hold (external data is not written)");
        string version = typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "unknown";
        return graph.Model(options.Opset, version, $"{what} exported by BertCore from {Path.GetFileName(Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar))}");
    }
}
