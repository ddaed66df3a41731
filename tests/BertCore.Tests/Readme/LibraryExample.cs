using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Nn.Bert;
using BertCore.Text;

namespace BertCore.Tests.Readme;

/// <summary>
/// The README's "Using the library" example, verbatim between the markers (<see cref="ReadmeExampleTests"/> checks
/// that the README shows exactly these lines, and runs them).
/// </summary>
internal static class LibraryExample
{
    /// <summary>Runs the pretraining model in folder <paramref name="bert"/> on two sentences; returns the pooler
    /// output [2, hidden], row-major.</summary>
    public static float[] Run(string bert)
    {
        // README:begin
        using var model = ModelDirectory.LoadPreTraining(bert);                    // a folder: config.json + model.safetensors
        var tokenizer = BertTokenizer.FromVocabFile(Path.Combine(bert, "vocab.txt"));
        var enc = tokenizer.EncodeBatch(["a first sentence", "another one"]);
        using var graph = new Graph(new CpuBackend());                             // one graph per thread
        using var inference = graph.NoGrad();                                      // no tape: inference only
        var output = model.Forward(graph, new BertBatch(enc.Batch, enc.SequenceLength, enc.InputIds, enc.TokenTypeIds, enc.AttentionMask));
        float[] pooled = output.Encoder.PoolerOutput!.ToArray();                   // [B, H]
        graph.Reset();                                                             // frees the step's activations
        // README:end
        return pooled;
    }
}
