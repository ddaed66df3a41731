using BertCore.Nn.Bert;
using Microsoft.ML.OnnxRuntime;

namespace BertCore.Tests.IO.Onnx;

/// <summary>ONNX Runtime (test-only) running an ONNX file on BERT inputs: the oracle the import is checked against.</summary>
internal sealed class OnnxRuntimeOracle : IDisposable
{
    private readonly InferenceSession _session;

    public OnnxRuntimeOracle(string onnxPath) => _session = new InferenceSession(onnxPath);

    /// <summary>
    /// Runs the graph on <paramref name="batch"/> (input_ids, attention_mask, token_type_ids [B, S], those the graph
    /// takes, as INT64) and returns each graph output by name, flattened (last_hidden_state [B, S, H], the pooler
    /// output [B, H]).
    /// </summary>
    public Dictionary<string, float[]> Run(BertBatch batch)
    {
        long[] shape = [batch.Batch, batch.SequenceLength];
        var available = new Dictionary<string, int[]>
        {
            ["input_ids"] = batch.InputIds, ["attention_mask"] = batch.AttentionMask, ["token_type_ids"] = batch.TokenTypeIds,
        };
        var names = _session.InputMetadata.Keys.ToArray();
        var inputs = names.Select(n => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(available[n], v => (long)v), shape)).ToArray();
        try
        {
            var outputNames = _session.OutputMetadata.Keys.ToArray();
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, names, inputs, outputNames);
            return outputNames.Zip(outputs).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}
