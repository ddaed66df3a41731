using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Inference.Onnx;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tensors;
using BertCore.Tests.Support;
using BertCore.Text;
using BertCore.Training.FineTuning;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.IO.Onnx;

/// <summary>
/// Export and import together: <c>import(export(m))</c> gives m's tensors bit for bit (on the PyTorch fixture and on
/// a real model), and a classifier fine-tuned from all-MiniLM-L6-v2 runs in ONNX Runtime as it runs in BertCore.
/// </summary>
public class OnnxRoundTripTests(ImportedRealModels models, ITestOutputHelper log) : IClassFixture<ImportedRealModels>, IDisposable
{
    /// <summary>The bar for ONNX Runtime against BertCore on the same weights (both fp32, summed in other orders).</summary>
    private const double Tolerance = 1e-4;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static int[] Bits(Tensor t) => Array.ConvertAll(t.ToArray(), BitConverter.SingleToInt32Bits);

    /// <summary>Every tensor of <paramref name="imported"/> has the bits of the tensor of the same name in
    /// <paramref name="original"/>; returns how many were compared.</summary>
    private static int AssertSameBits(string original, string imported)
    {
        using var want = SafeTensorsFile.Open(ModelDirectory.WeightsPath(original));
        using var got = SafeTensorsFile.Open(ModelDirectory.WeightsPath(imported));
        foreach (var name in got.Names)
        {
            Assert.True(want.Contains(name), $"{name} is not in {original}");
            using Tensor a = want.Read(name), b = got.Read(name);
            Assert.True(Bits(a).SequenceEqual(Bits(b)), $"{name} differs after export and import");
        }
        return got.Names.Count;
    }

    private static void AssertSameConfig(BertConfig expected, BertConfig actual)
    {
        Assert.Equal(
            (expected.VocabSize, expected.HiddenSize, expected.NumHiddenLayers, expected.NumAttentionHeads, expected.IntermediateSize,
             expected.MaxPositionEmbeddings, expected.TypeVocabSize, expected.LayerNormEps),
            (actual.VocabSize, actual.HiddenSize, actual.NumHiddenLayers, actual.NumAttentionHeads, actual.IntermediateSize,
             actual.MaxPositionEmbeddings, actual.TypeVocabSize, actual.LayerNormEps));
    }

    /// <summary>The PyTorch-written fixture (3 layers, hidden 96, pooler, MLM and NSP heads): exported as an encoder
    /// and imported, its 1 + 3·16 + 5 + 2 encoder and pooler tensors come back bit for bit with the same configuration.</summary>
    [Fact]
    public void Import_of_the_export_of_the_pytorch_fixture_gives_its_tensors_bit_for_bit()
    {
        string source = Fixtures.Path("bert", "model"), onnx = _folder.File("model.onnx"), imported = _folder.File("imported");
        OnnxExport.Export(source, onnx);
        var result = ModelImport.FromOnnx(onnx, imported);

        Assert.True(result.HasPooler);
        AssertSameConfig(ModelDirectory.LoadConfig(source), result.Config);
        int layers = result.Config.NumHiddenLayers;
        Assert.Equal(5 + 16 * layers + 2, AssertSameBits(source, imported));   // embeddings, layers, pooler
    }

    /// <summary>all-MiniLM-L6-v2 imported from its NuGet ONNX file, exported by BertCore and imported again: the
    /// 6-layer encoder and pooler (103 tensors) come back bit for bit.</summary>
    [RealModelFact]
    public void Import_of_the_export_of_a_real_model_gives_its_tensors_bit_for_bit()
    {
        var (folder, first) = models.Get("minilm-l6");
        string onnx = _folder.File("minilm.onnx"), again = _folder.File("again");
        OnnxExport.Export(folder, onnx);
        var second = ModelImport.FromOnnx(onnx, again);

        AssertSameConfig(first.Config, second.Config);
        Assert.Equal(5 + 16 * 6 + 2, AssertSameBits(folder, again));
    }

    /// <summary>
    /// A classifier fine-tuned from all-MiniLM-L6-v2 (a few steps on SST-2, so the head is trained and the encoder
    /// moved), exported: ONNX Runtime's logits on 64 SST-2 dev sentences, in batches of 16 of mixed lengths with
    /// padding, are within 1e-4 of BertCore's.
    /// </summary>
    [RealModelFact]
    public void Onnx_runtime_reproduces_a_classifier_fine_tuned_from_minilm()
    {
        var (encoder, _) = models.Get("minilm-l6");
        string tuned = _folder.File("sst2"), onnx = _folder.File("sst2.onnx");
        var run = CliRunner.Run("finetune", "--task", "classify", "--train", SharedData.File("sst2", "train.tsv"),
            "--dev", SharedData.File("sst2", "dev.tsv"), "--model", encoder, "--output", tuned,
            "--max-train", "96", "--max-dev", "32", "--max-steps", "8", "--batch", "16", "--lr", "5e-4", "--warmup-ratio", "0", "--seed", "1", "--max-seq", "64");
        Assert.True(run.ExitCode == 0, run.StdErr);
        var export = CliRunner.Run("export-onnx", "--model", tuned, "--output", onnx);
        Assert.True(export.ExitCode == 0, export.StdErr);

        using var network = TaskModelDirectory.Load(tuned);
        var tokenizer = BertTokenizer.FromVocabFile(ModelDirectory.VocabPath(tuned));
        var sentences = File.ReadLines(SharedData.File("sst2", "dev.tsv")).Skip(1).Take(64).Select(l => l.Split('\t')[0]).ToArray();
        using var oracle = new OnnxRuntimeOracle(onnx);
        double worst = 0;
        float largest = 0;
        foreach (var chunk in sentences.Chunk(16))
        {
            var enc = tokenizer.EncodeBatch(chunk, maxLength: 64);
            var batch = new BertBatch(enc.Batch, enc.SequenceLength, enc.InputIds, enc.TokenTypeIds, enc.AttentionMask);
            float[] expected;
            using (var g = new Graph(new CpuBackend()))
            using (g.NoGrad())
                expected = network.Forward(g, new TaskBatch(batch, Enumerable.Range(0, batch.Batch).ToArray(), null, null, null, null)).Logits.ToArray();
            float[] actual = oracle.Run(batch)["logits"];
            worst = Math.Max(worst, Differences.MaxAbs(expected, actual));
            largest = Math.Max(largest, expected.Max(Math.Abs));
        }
        log.WriteLine($"fine-tuned minilm-l6 classifier: max |ONNX Runtime − BertCore| logits {worst:E2} (largest |logit| {largest:F3})");
        Assert.True(worst <= Tolerance, $"logits differ by {worst:E2} > {Tolerance:E0}");
        Assert.True(largest > 0.1, "the logits are all near zero, which would prove nothing");
    }
}
