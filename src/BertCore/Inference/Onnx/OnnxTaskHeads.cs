using BertCore.IO.Onnx;
using BertCore.Nn.Heads;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;
using Onnx;

namespace BertCore.Inference.Onnx;

/// <summary>One graph output: the value, the name it is exported under, and its dimensions (names are dynamic).</summary>
internal sealed record OnnxOutput(string Value, string Name, object[] Dims);

/// <summary>
/// Writes the head of every <see cref="TaskNetwork"/> BertCore trains after the encoder, with the output names of
/// Hugging Face's exports: <c>logits</c> [batch, labels] (classify, pair, regress — with any
/// <see cref="Pooling"/> and external features), <c>logits</c> [batch, sequence, labels] (ner), and
/// <c>start_logits</c>, <c>end_logits</c> [batch, sequence] (qa).
/// </summary>
internal static class OnnxTaskHeads
{
    public const string Batch = "batch_size", Sequence = "sequence_length";

    /// <param name="attentionMask">The graph input, int64 [batch, sequence].</param>
    /// <param name="external">The graph input of external features, float [batch, E], when the model takes them.</param>
    public static IReadOnlyList<OnnxOutput> Write(OnnxEncoderWriter writer, TaskNetwork network, OnnxEncoderValues encoder, string attentionMask, string? external)
    {
        long labels = network.Spec.NumLabels;
        switch (network.Model)
        {
            case BertForSequenceClassification model:
                return [new(writer.Linear(model.Classifier, encoder.PoolerOutput!), "logits", [Batch, labels])];
            case BertForTokenClassification model:
                return [new(writer.Linear(model.Classifier, encoder.LastHiddenState), "logits", [Batch, Sequence, labels])];
            case BertForQuestionAnswering model:
                var logits = writer.Linear(model.QaOutputs, encoder.LastHiddenState);   // [B, S, 2]
                return [new(Column(writer.Graph, logits, 0), "start_logits", [Batch, Sequence]), new(Column(writer.Graph, logits, 1), "end_logits", [Batch, Sequence])];
            case PooledSequenceClassifier model:
                var representation = Representation(writer, model, encoder, attentionMask);
                if (external != null) representation = writer.Graph.Node("Concat", "external_features", [representation, external], ("axis", 1L));
                return [new(writer.Linear(model.Classifier, representation), "logits", [Batch, labels])];
            default:
                throw new InvalidOperationException($"no ONNX export for a {network.Model.GetType().Name} ({network.Spec.Task.Name()} model)");
        }
    }

    /// <summary>logits [B, S, 2] → logits[:, :, column] [B, S].</summary>
    private static string Column(OnnxGraphBuilder graph, string logits, long column) =>
        graph.Node("Gather", "qa_outputs.column", [logits, graph.Int64Scalar("qa_outputs.column", column)], ("axis", 2L));

    /// <summary>The sentence vector of <see cref="PooledSequenceClassifier.Features"/> and, for scalar-mix, its mix: [B, width].</summary>
    private static string Representation(OnnxEncoderWriter writer, PooledSequenceClassifier model, OnnxEncoderValues encoder, string attentionMask)
    {
        var graph = writer.Graph;
        var hidden = encoder.HiddenStates;
        switch (model.Pooling.Kind)
        {
            case PoolingKind.Cls:
                return encoder.PoolerOutput!;
            case PoolingKind.Mean:
            {
                var mask = TokenMask(graph, attentionMask, TensorProto.Types.DataType.Float);   // [B, S, 1]
                var axis = graph.Int64s("mean_pooling.axis", 1);
                var sum = graph.Node("ReduceSum", "mean_pooling", [graph.Node("Mul", "mean_pooling", [encoder.LastHiddenState, mask]), axis], ("keepdims", 0L));
                return graph.Node("Div", "mean_pooling", [sum, graph.Node("ReduceSum", "mean_pooling.count", [mask, axis], ("keepdims", 0L))]);
            }
            case PoolingKind.Max:
            {
                var real = TokenMask(graph, attentionMask, TensorProto.Types.DataType.Bool);   // [B, S, 1]
                var masked = graph.Node("Where", "max_pooling", [real, encoder.LastHiddenState, graph.FloatScalar("max_pooling.padding", float.MinValue)]);
                return graph.Node("ReduceMax", "max_pooling", [masked], ("axes", new long[] { 1 }), ("keepdims", 0L));
            }
            case PoolingKind.ConcatLast:
                var last = Enumerable.Range(0, model.Pooling.Layers).Select(i => writer.FirstToken(hidden[hidden.Count - 1 - i], $"concat_last.{i}")).ToArray();
                return last.Length == 1 ? last[0] : graph.Node("Concat", "concat_last", last, ("axis", 1L));
            case PoolingKind.ScalarMix:
                return Mix(writer, model.Mix!, hidden);
            default:
                throw new InvalidOperationException($"no ONNX export for the pooling {model.Pooling}");
        }
    }

    /// <summary>mask int64 [B, S] → [B, S, 1] of <paramref name="type"/> (1 / true for real tokens).</summary>
    private static string TokenMask(OnnxGraphBuilder graph, string attentionMask, TensorProto.Types.DataType type) =>
        graph.Node("Cast", "token_mask", [graph.Node("Unsqueeze", "token_mask", [attentionMask, graph.Int64s("token_mask.axes", 2)])], ("to", (long)type));

    /// <summary>γ Σ_j softmax(w)_j h_j[:, 0] over the L + 1 hidden states → [B, H] (<see cref="Training.FineTuning.Representations.ScalarMix"/>).</summary>
    private static string Mix(OnnxEncoderWriter writer, ScalarMix mix, IReadOnlyList<string> hidden)
    {
        var graph = writer.Graph;
        var axis = graph.Int64s("scalar_mix.axis", 1);
        var cls = hidden.Select((h, i) => graph.Node("Unsqueeze", "scalar_mix", [writer.FirstToken(h, $"scalar_mix.{i}"), axis])).ToArray();   // [B, 1, H] each
        var stacked = graph.Node("Concat", "scalar_mix", cls, ("axis", 1L));   // [B, n, H]
        var weights = graph.Floats(mix.Weights.Name, mix.Weights.Value.Span, mix.Inputs);
        var scale = graph.Floats(mix.Gamma.Name, mix.Gamma.Value.Span, 1);
        var scaled = graph.Node("Mul", "scalar_mix", [graph.Node("Softmax", "scalar_mix", [weights], ("axis", 0L)), scale]);   // [n]
        var perInput = graph.Node("Reshape", "scalar_mix", [scaled, graph.Int64s("scalar_mix.shape", 1, mix.Inputs, 1)]);   // [1, n, 1]
        return graph.Node("ReduceSum", "scalar_mix", [graph.Node("Mul", "scalar_mix", [stacked, perInput]), axis], ("keepdims", 0L));
    }
}
