using System.Text;
using System.Text.Json;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Embeddings;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Training;
using BertCore.Training;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Similarity;
using Xunit;

namespace BertCore.Tests.FineTuning.Similarity;

/// <summary>
/// Bi-encoder fine-tuning (<see cref="TaskKind.Similarity"/>) end to end on the tiny synthetic tasks: scored pairs
/// in STS-B's layout (score 0–5 from the two sentences' sentiments) and the same pairs without scores, with a hard
/// negative (the next pair's second sentence): an exact resume, and the output folder as an embedding model.
/// </summary>
public class SimilarityFineTuningTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _vocab, _scored, _positives;

    public SimilarityFineTuningTests()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 120);
        _vocab = vocab;
        _scored = TinyTasks.Pairs(files.ClassifyTrain, _folder.File("pairs.tsv"), regression: true, low: 0, high: 5);
        var rows = File.ReadAllLines(_scored).Skip(1).Select(l => l.Split('\t')).ToArray();
        var text = new StringBuilder("anchor\tpositive\tnegative\n");
        for (int i = 0; i < rows.Length; i++) text.Append($"{rows[i][1]}\t{rows[i][2]}\t{rows[(i + 1) % rows.Length][2]}\n");
        _positives = _folder.File("triplets.tsv");
        File.WriteAllText(_positives, text.ToString());
    }

    public void Dispose() => _folder.Dispose();

    private FineTuningJob Job(string train, string output, SimilarityLoss? loss = null, PoolingMode? pooling = null) =>
        FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = TaskKind.Similarity, TrainFile = train, DevFile = train, MaxDevExamples = 20,
            Config = TinyTasks.Config(_vocab), VocabPath = _vocab, SimilarityLoss = loss, SentencePooling = pooling,
        }, new FineTunerOptions
        {
            OutputDirectory = output, Epochs = 2, BatchSize = 8, GradientAccumulationSteps = 2, LearningRate = 2e-3f, EvalEvery = 3,
            SaveEvery = 2, KeepCheckpoints = 1, Seed = 4,
        });

    [Theory]
    [InlineData(SimilarityLoss.Cosine)]
    [InlineData(SimilarityLoss.CoSent)]
    [InlineData(SimilarityLoss.MultipleNegativesRanking)]
    public void Resumed_run_ends_bitwise_where_the_uninterrupted_run_ends(SimilarityLoss loss)
    {
        string train = loss.NeedsScores() ? _scored : _positives;
        string straight = _folder.File($"straight-{loss}"), resumed = _folder.File($"resumed-{loss}");
        string straightDigest;
        int total;
        using (var job = Job(train, straight, loss))
        {
            total = job.Tuner.TotalSteps;
            Assert.True(job.Run().Completed);
            straightDigest = TinyPretraining.Digest(job.Network.Model);
        }
        int stopAt = total / 2 + 1;
        using (var job = Job(train, resumed, loss))
        using (var stop = new CancellationTokenSource())
        {
            job.Tuner.StepCompleted += p => { if (p.Step == stopAt) stop.Cancel(); };
            Assert.False(job.Run(stop.Token).Completed);
        }
        using (var job = Job(train, resumed, loss))
        {
            foreach (var p in job.Network.Model.Parameters()) p.Value.Span.Clear();   // the weights must come from the checkpoint
            job.Tuner.Resume(FineTuningCheckpoints.Latest(resumed)!);
            Assert.Equal(stopAt, job.Tuner.Step);
            Assert.True(job.Run().Completed);
            Assert.Equal(straightDigest, TinyPretraining.Digest(job.Network.Model));
        }
        Assert.Equal(TinyPretraining.Sha256OfFile(Path.Combine(straight, ModelDirectory.WeightsFile)),
            TinyPretraining.Sha256OfFile(Path.Combine(resumed, ModelDirectory.WeightsFile)));
        Assert.Equal(File.ReadAllLines(Path.Combine(straight, FineTuningLog.FileName)).Select(WithoutSpeed),
            File.ReadAllLines(Path.Combine(resumed, FineTuningLog.FileName)).Select(WithoutSpeed));
        Assert.Equal(File.ReadAllText(Path.Combine(straight, FineTuner.ResultsFile)).Split('\n').Where(l => !l.Contains("\"seconds\"")),
            File.ReadAllText(Path.Combine(resumed, FineTuner.ResultsFile)).Split('\n').Where(l => !l.Contains("\"seconds\"")));
    }

    [Fact]
    public void The_output_folder_is_an_embedding_model_that_loads_back()
    {
        string output = _folder.File("out");
        TaskScores best;
        using (var job = Job(_scored, output, pooling: PoolingMode.Max))
        {
            var result = job.Run();
            best = result.Best!.Scores;
            Assert.Equal("spearman", best.PrimaryMetric);
        }
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, ModelDirectory.ConfigFile)));
        Assert.Equal(["BertModel"], config.RootElement.GetProperty("architectures").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(new EmbeddingPooling(PoolingMode.Max, false), EmbeddingPooling.Read(output));
        Assert.True(File.Exists(Path.Combine(output, "vocab.txt")));
        Assert.True(File.Exists(Path.Combine(output, "tokenizer_config.json")));
        using (var weights = SafeTensorsFile.Open(Path.Combine(output, ModelDirectory.WeightsFile)))
        {
            Assert.All(weights.Names, n => Assert.StartsWith("bert.", n));
            Assert.Contains("bert.pooler.dense.weight", weights.Names);
        }

        using var loaded = TaskModelDirectory.Load(output);
        Assert.IsType<SimilarityNetwork>(loaded);
        Assert.Equal(SimilarityLoss.Cosine, loaded.Spec.Loss);
        Assert.Equal(new EmbeddingPooling(PoolingMode.Max, false), loaded.Spec.Embedding);
        var dev = TaskData.Create(TaskFile.Read(_scored, TaskKind.Similarity).Take(20), loaded.Spec, new BertCore.Text.BertTokenizer(BertCore.Text.Vocabulary.Load(_vocab), true));
        using var g = new BertCore.Autograd.Graph(new CpuBackend());
        var scores = dev.Score(TaskRunner.Run(g, loaded, dev, new FineTunerOptions { OutputDirectory = output }.EvalBatchSize));
        Assert.Equal(best["spearman"], scores["spearman"], 6);   // the best checkpoint's dev score, recomputed from the folder

        // The embedder (bertcore embed, index, search) takes the folder with its pooling and gives the same dev score
        // (its cosine is summed in double, the trainer's in its own order: 1e-6 covers the rounding of 20 pairs' ranks).
        using var embedder = SentenceEmbedder.Load(output);
        Assert.Equal(new EmbeddingPooling(PoolingMode.Max, false), embedder.Pooling);
        var pairs = File.ReadAllLines(_scored).Skip(1).Take(20).Select(l => l.Split('\t'))
            .Select(r => (r[1], r[2], double.Parse(r[3], System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        Assert.Equal(best["spearman"], SimilarityEvaluation.Score(embedder, pairs).Spearman, 6);
        // ONNX export of an embedding folder is its encoder (ONNX Runtime users pool last_hidden_state themselves).
        Assert.Equal("encoder", BertCore.Inference.Onnx.OnnxExport.Export(output, _folder.File("bi.onnx")).Model);
    }

    [Fact]
    public void Pairs_without_scores_select_the_model_by_recall_at_1()
    {
        using var job = Job(_positives, _folder.File("mnrl"));
        Assert.Equal(SimilarityLoss.MultipleNegativesRanking, job.Network.Spec.Loss);   // the default without scores
        var scores = job.Tuner.Evaluate();
        Assert.True(double.IsNaN(scores["spearman"]));
        Assert.Equal("recall_at_1", scores.PrimaryMetric);
        Assert.InRange(scores.Primary, 0, 1);
    }

    [Fact]
    public void Task_adaptive_pretraining_reads_every_sentence_of_a_triplet()
    {
        var file = TaskFile.Read(_positives, TaskKind.Similarity);
        var first = file.Similarities!.Examples[0];
        Assert.Equal([first.Anchor, first.Positive, first.Negative!], BertCore.Training.FineTuning.Techniques.TaskTextCorpus.Documents(file).First());
        Assert.Equal(file.Count, BertCore.Training.FineTuning.Techniques.TaskTextCorpus.Documents(file).Count());
    }

    [Fact]
    public void Adapters_are_refused_with_a_reason()
    {
        var e = Assert.Throws<ArgumentException>(() => FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = TaskKind.Similarity, TrainFile = _scored, Config = TinyTasks.Config(_vocab), VocabPath = _vocab, AdapterSize = 4,
        }, new FineTunerOptions { OutputDirectory = _folder.File("adapters") }));
        Assert.Equal("adapters are not offered for similarity: the bi-encoder trains its whole encoder", e.Message);
    }

    private static string WithoutSpeed(string line) => string.Join(',', line.Split(',').Where((_, i) => i != 5));
}
