using BertCore.Tests.IO;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Readme;

/// <summary>The README's library examples are code that compiles and runs: the README shows exactly the lines of
/// <see cref="PretrainedModelExample"/>, <see cref="LibraryExample"/> and <see cref="SemanticSearchExample"/> between their
/// markers, and those lines run.</summary>
public class ReadmeExampleTests
{
    private static string RepositoryFile(string name) =>
        Path.Combine(SharedData.RepositoryRoot() ?? throw new InvalidOperationException("no BertCore.sln above the tests"), name);

    /// <summary>The lines between "// README:begin" and "// README:end", without the method's indentation.</summary>
    private static string[] ExampleLines(string file)
    {
        var lines = File.ReadAllLines(RepositoryFile(Path.Combine("tests", "BertCore.Tests", "Readme", file)));
        int begin = Array.FindIndex(lines, l => l.Trim() == "// README:begin"), end = Array.FindIndex(lines, l => l.Trim() == "// README:end");
        Assert.True(begin >= 0 && end > begin, "markers missing");
        return lines[(begin + 1)..end].Select(l => l.Length >= 8 ? l[8..] : l.TrimStart()).ToArray();
    }

    [Theory]
    [InlineData("PretrainedModelExample.cs")]
    [InlineData("LibraryExample.cs")]
    [InlineData("SemanticSearchExample.cs")]
    public void The_readme_shows_the_example_that_compiles(string file)
    {
        string readme = File.ReadAllText(RepositoryFile("README.md")).ReplaceLineEndings("\n");
        string example = string.Join("\n", ExampleLines(file));
        Assert.True(readme.Contains("```csharp\n" + example + "\n```"), $"README.md shows no ```csharp block equal to the lines between the markers of {file}");
    }

    /// <summary>On the PyTorch-written pretraining fixture: two rows of pooler output, each a tanh of width 64.</summary>
    [Fact]
    public void The_library_example_runs()
    {
        float[] pooled = LibraryExample.Run(Fixtures.Path("pretrain", "model"));
        Assert.Equal(2 * 64, pooled.Length);
        Assert.All(pooled, v => Assert.InRange(v, -1f, 1f));
        Assert.NotEqual(pooled[..64], pooled[64..]);
    }

    /// <summary>On the PyTorch fixture model made an embedding model (mean pooling, normalized): the vector has unit
    /// length and equals the one Microsoft.Extensions.AI's interface gives; the int8 index returns 3 hits, best first,
    /// the first one the corpus line equal to the query (cosine 1 up to int8 rounding of the stored vector).</summary>
    [Fact]
    public void The_semantic_search_example_runs()
    {
        using var work = new TempFolder();
        string model = work.File("model"), corpus = work.File("corpus.txt");
        Directory.CreateDirectory(model);
        foreach (var file in Directory.GetFiles(Fixtures.Path("bert", "model"))) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        new BertCore.Embeddings.EmbeddingPooling(BertCore.Embeddings.PoolingMode.Mean, Normalize: true).Write(model, 96);
        File.WriteAllLines(corpus, ["ba be bi", "forgot my password", "da de", "fa fe fi fo"]);

        var (vector, hits, generated) = SemanticSearchExample.Run(model, corpus, work.File("index"));

        Assert.Equal(96, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 5);
        Assert.Equal(vector, generated);
        Assert.Equal(3, hits.Count);
        Assert.Equal(("2", "forgot my password"), (hits[0].Id, hits[0].Text));
        Assert.InRange(hits[0].Score, 0.99f, 1.01f);
        Assert.True(hits[0].Score >= hits[1].Score && hits[1].Score >= hits[2].Score);
    }

    /// <summary>On the tiny ONNX fixture and a 24-line training file: the import, fine-tuning, BertCore's answer and
    /// ONNX Runtime's logits of the export agree (the probability within 1e-4, the class the same).</summary>
    [Fact]
    public void The_example_runs_and_both_engines_agree()
    {
        using var work = new TempFolder();
        string train = work.File("train.tsv"), dev = work.File("dev.tsv");
        string[] good = ["a b c", "c a b", "b c a", "a a b"], bad = ["d e f", "f e d", "e d f", "d d e"];
        var rows = Enumerable.Range(0, 12).SelectMany(i => new[] { $"{good[i % 4]}\t1", $"{bad[i % 4]}\t0" });
        File.WriteAllLines(train, ["sentence\tlabel", .. rows]);
        File.WriteAllLines(dev, ["sentence\tlabel", .. rows.Take(8)]);

        var (prediction, logits) = PretrainedModelExample.Run(Fixtures.Path("onnx", "tiny_bert.onnx"), train, dev, work.Root);

        Assert.Equal(2, logits.Length);
        int best = logits[1] > logits[0] ? 1 : 0;
        double probability = 1 / (1 + Math.Exp(logits[1 - best] - logits[best]));
        Assert.Equal(best, prediction.Id);
        Assert.True(Math.Abs(probability - prediction.Score) <= 1e-4, $"ONNX Runtime {probability} vs BertCore {prediction.Score}");
    }
}
