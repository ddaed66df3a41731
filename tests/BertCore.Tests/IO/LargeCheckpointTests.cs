using System.Text.Json;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Heads;
using BertCore.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.IO;

public class LargeCheckpointTests(ITestOutputHelper output)
{
    /// <summary>
    /// A random BERT-base checkpoint (110M parameters, 440 MB) loads in a fresh `bertcore inspect` process with
    /// peak resident memory growing by less than 1.5× the file: the parameters themselves (1×) plus at most one
    /// tensor's mapped pages, no gradient buffers. The load time is reported, not asserted (timings belong in
    /// benchmarks; the README records it).
    /// </summary>
    [Fact]
    public void Bert_base_loads_with_less_than_one_and_a_half_times_its_size_in_extra_memory()
    {
        using var folder = new TempFolder();
        using (var model = new BertForPreTraining(BertConfig.Preset("base")))
        {
            model.Initialize(seed: 1);
            ModelDirectory.Save(folder.Root, model, model.Config);
        }
        var r = CliRunner.Run("inspect", "--model", folder.Root);
        Assert.True(r.ExitCode == 0, r.StdErr);
        output.WriteLine(r.StdOut);
        using var json = JsonDocument.Parse(r.StdOut);
        var root = json.RootElement;
        long parameters = root.GetProperty("parameters").GetInt64();
        long weights = root.GetProperty("weights_bytes").GetInt64();
        long growth = root.GetProperty("rss_growth_bytes").GetInt64();
        Assert.Equal(PreTrainingParameters(BertConfig.Preset("base")), parameters);
        Assert.Equal(110_106_428, parameters);   // HF's BertForPreTraining.from_pretrained("bert-base-uncased").num_parameters()
        Assert.True(growth < 1.5 * weights, $"resident memory grew by {growth:N0} bytes for a {weights:N0}-byte file");
        Assert.True(root.GetProperty("mlm").GetBoolean() && root.GetProperty("nsp").GetBoolean());
    }

    /// <summary>BertForPreTraining's parameter count from its config, the tied decoder weight counted once: embeddings
    /// (word, position, token type, LayerNorm), per layer Q/K/V/output projections, two LayerNorms and the FFN, the
    /// pooler, the MLM transform (dense, LayerNorm) and decoder bias, and the NSP classifier.</summary>
    private static long PreTrainingParameters(BertConfig c)
    {
        long h = c.HiddenSize, i = c.IntermediateSize, v = c.VocabSize;
        long embeddings = (v + c.MaxPositionEmbeddings + c.TypeVocabSize) * h + 2 * h;
        long layer = 4 * (h * h + h) + 2 * (2 * h) + (h * i + i) + (i * h + h);
        long pooler = h * h + h;
        long mlm = (h * h + h) + 2 * h + v;
        long nsp = 2 * h + 2;
        return embeddings + c.NumHiddenLayers * layer + pooler + mlm + nsp;
    }
}
