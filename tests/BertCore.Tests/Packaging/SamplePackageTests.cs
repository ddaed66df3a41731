using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using BertCore.Data.Tasks;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Text;
using BertCore.Training.FineTuning;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Packaging;

/// <summary>
/// What an embedder gets: <c>dotnet pack</c> of the solution writes the BertCore packages into a folder feed,
/// samples/ClassifySentence restores them from it (through its own nuget.config, into a fresh NUGET_PACKAGES
/// folder, so a cached package of the same version is never used), builds, and classifies sentences with a model
/// folder that this test writes through the public API, answering exactly as <see cref="TaskModel"/> does in this
/// process. Needs nuget.org for the packages' dependencies.
/// </summary>
public partial class SamplePackageTests(ITestOutputHelper output)
{
    private static readonly string[] Sentences = ["the film was wonderful", "a terrible plot and dull actors", "fine"];

    [Fact]
    public void The_packed_engine_restores_into_the_sample_which_classifies_as_the_engine_does_in_process()
    {
        using var work = new TempFolder();
        string repository = CliRunner.RepoRoot;
        // The sample's nuget.config reads ../../artifacts/packages: the same layout under the temporary folder.
        string sample = work.File(Path.Combine("samples", "ClassifySentence")), feed = work.File(Path.Combine("artifacts", "packages"));
        CopySample(Path.Combine(repository, "samples", "ClassifySentence"), sample);
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = work.File("nuget-packages") };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // -warnaserror: the packages must pack without a warning (metadata, README, license).
        DotnetCommand.Run(repository, environment, TimeSpan.FromMinutes(4),
            "pack", "BertCore.sln", "-c", Configuration, "--no-build", "-warnaserror", "-o", feed);
        string version = SampleVersion(sample);
        Assert.True(File.Exists(Path.Combine(feed, $"BertCore.{version}.nupkg")),
            $"the sample references BertCore {version}, but dotnet pack wrote {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}: update samples/ClassifySentence/ClassifySentence.csproj");
        output.WriteLine($"packed in {clock.Elapsed.TotalSeconds:F1} s");

        DotnetCommand.Run(sample, environment, TimeSpan.FromMinutes(4), "build", "-c", "Release", "--disable-build-servers");
        Assert.True(Directory.Exists(Path.Combine(work.File("nuget-packages"), "bertcore", version)), "the sample did not restore BertCore into its own NUGET_PACKAGES");
        output.WriteLine($"restored and built in {clock.Elapsed.TotalSeconds:F1} s");

        string model = TinyClassifier(work.Root);
        string printed = DotnetCommand.Run(sample, environment, TimeSpan.FromMinutes(1),
            [Path.Combine("bin", "Release", "net10.0", "ClassifySentence.dll"), model, .. Sentences]);
        output.WriteLine(printed);
        output.WriteLine($"ran in {clock.Elapsed.TotalSeconds:F1} s");

        using var engine = TaskModel.Load(model);
        var lines = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Sentences.Length, lines.Length);
        for (int i = 0; i < Sentences.Length; i++)
        {
            var expected = engine.Classify(Sentences[i]);
            var fields = lines[i].Split('\t');
            Assert.Equal([expected.Label, Sentences[i]], [fields[0], fields[2]]);
            // Same engine, same CPU, same thread count: the CPU backend gives the same bits in every process
            // (its kernel choice does not change the sums), so the probability printed at round-trip precision is
            // exactly this process's.
            Assert.Equal(expected.Score, double.Parse(fields[1], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Release or Debug: the configuration the tests (and so the packed engine) were built in.</summary>
    private static string Configuration =>
        new DirectoryInfo(Path.GetDirectoryName(Assembly.GetExecutingAssembly().Location)!).Parent!.Name;

    /// <summary>The sample's files without its build outputs.</summary>
    private static void CopySample(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj") continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
            File.Copy(file, Path.Combine(to, relative));
        }
    }

    /// <summary>The BertCore version the sample's project references.</summary>
    private static string SampleVersion(string sample)
    {
        string project = Path.Combine(sample, "ClassifySentence.csproj");
        var match = PackageReference().Match(File.ReadAllText(project));
        return match.Success ? match.Groups[1].Value : throw new InvalidFileException(project, null, "has no PackageReference to BertCore with a Version");
    }

    [GeneratedRegex(@"<PackageReference\s+Include=""BertCore""\s+Version=""([^""]+)""")]
    private static partial Regex PackageReference();

    /// <summary>A freshly initialized three-class classifier (hidden size 32, 2 layers) over a 15-token vocabulary,
    /// saved as a fine-tuned model folder.</summary>
    private static string TinyClassifier(string folder)
    {
        string vocab = Path.Combine(folder, "vocab.txt"), dir = Path.Combine(folder, "model");
        new Vocabulary(Vocabulary.SpecialTokens.Concat(["the", "film", "was", "wonderful", "a", "terrible", "plot", "and", "dull", "actors"])).Save(vocab);
        var config = new BertConfig
        {
            VocabSize = 15, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 64, MaxPositionEmbeddings = 64,
        };
        using var network = TaskNetwork.Create(TaskSpec.Create(TaskKind.Classify, new LabelVocabulary(["negative", "neutral", "positive"]), 32), config);
        network.Initialize(seed: 3);
        TaskModelDirectory.Save(dir, network, vocab);
        return dir;
    }
}
