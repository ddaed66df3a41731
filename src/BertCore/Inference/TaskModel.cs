using System.Collections.Concurrent;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Text;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;

namespace BertCore.Inference;

/// <summary>
/// A fine-tuned model loaded for prediction and evaluation: from raw text to labels, values, tags or answer spans.
/// Inputs are prepared exactly as training prepared them (<see cref="TaskSpec"/>). Every method may be called
/// from many threads at once on the CPU backend: each call runs on its own <see cref="Graph"/> and only reads the
/// parameters (a GPU backend is not thread-safe: call it from one thread).
/// </summary>
/// <example>
/// <code>
/// using var model = TaskModel.Load("runs/sst2");
/// var prediction = model.Classify("a charming and often affecting journey");   // Label "1", Score 0.97
/// </code>
/// </example>
public sealed class TaskModel : IDisposable
{
    private readonly TaskNetwork _network;

    /// <summary>Graphs (each with its arena) of finished calls, reused by the next ones: a fresh arena per call would map
    /// and fault in its activations' memory again each time (hundreds of MB a call at large batches).</summary>
    private readonly ConcurrentBag<Graph> _graphs = [];

    private TaskModel(string directory, TaskNetwork network, BertTokenizer tokenizer, IBackend backend, int batchSize)
    {
        Directory = directory;
        _network = network;
        Tokenizer = tokenizer;
        Backend = backend;
        BatchSize = batchSize;
    }

    /// <summary>Loads a fine-tuned model folder (<see cref="TaskModelDirectory"/>; a Hugging Face task folder works too).</summary>
    /// <param name="backend">Where to run (default: the CPU backend); the weights are moved into its memory (<see cref="IBackend.Adopt"/>)
    /// and frozen (<see cref="Nn.Module.FreezeForInference"/>).</param>
    /// <param name="batchSize">Inputs per forward pass.</param>
    /// <param name="precision"><see cref="Nn.InferencePrecision.Int8"/>: every Linear in int8 (CPU backend only).</param>
    /// <exception cref="InvalidFileException">A file of the folder is missing a tensor or malformed.</exception>
    /// <exception cref="ArgumentException">Int8 on a backend other than the CPU's.</exception>
    public static TaskModel Load(string dir, IBackend? backend = null, int batchSize = 32, Nn.InferencePrecision precision = Nn.InferencePrecision.Fp32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (precision == Nn.InferencePrecision.Int8 && backend is not (null or CpuBackend))
            throw new ArgumentException($"int8 inference runs on the CPU backend only, not on {backend.Name}");
        var network = TaskModelDirectory.Load(dir);
        try
        {
            var tokenizer = BertTokenizer.FromVocabFile(Checkpoints.ModelDirectory.VocabPath(dir), network.Spec.Lowercase);
            if (tokenizer.Vocabulary.Count > network.Config.VocabSize)
                throw new InvalidFileException(Checkpoints.ModelDirectory.VocabPath(dir), null,
                    $"has {tokenizer.Vocabulary.Count} tokens but the model's vocab_size is {network.Config.VocabSize}");
            backend ??= new CpuBackend();
            backend.Adopt(network.Model.Parameters());
            network.Model.FreezeForInference(precision);   // the CPU backend then packs (or int8 quantizes) each weight once
            return new TaskModel(dir, network, tokenizer, backend, batchSize);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The folder the model was loaded from.</summary>
    public string Directory { get; }
    public TaskSpec Spec => _network.Spec;
    public TaskKind Task => Spec.Task;
    public BertConfig Config => _network.Config;
    public BertTokenizer Tokenizer { get; }
    public IBackend Backend { get; }
    /// <summary>Inputs per forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>Whether inference packs each batch's inputs back to back without padding, where the task's head and the
    /// backend can (<see cref="TaskRunner"/>): true by default; false pads each batch to its longest input (the
    /// GPU always pads). Packed outputs are the same bits whatever the batch size.</summary>
    public bool Pack { get; set; } = true;

    /// <summary>Scores the model on a labelled file of its task.</summary>
    /// <param name="task">Read the file as this task instead: classify and pair may stand for each other (same
    /// head), which decides whether a second-sentence column is read and whether F1 is reported.</param>
    /// <exception cref="ArgumentException">A task the model cannot do.</exception>
    /// <exception cref="InvalidFileException">The file does not fit the task, or has labels the model does not know.</exception>
    /// <param name="featuresPath">The external features of the file's examples (<see cref="ExternalFeatures"/>, keyed
    /// by the data line), required exactly when the model takes external features.</param>
    public TaskScores Evaluate(string path, TaskKind? task = null, string? featuresPath = null)
    {
        var spec = SpecFor(task ?? Task);
        var data = TaskData.Create(TaskFile.Read(path, spec.Task), spec, Tokenizer);
        if (RequireFeatures(featuresPath != null)) ((SequenceTaskData)data).AttachExternal(ExternalFeatures.Read(featuresPath!));
        return data.Score(Run(data));
    }

    /// <summary>Runs the network over every feature of <paramref name="data"/> (prepared with this model's spec and tokenizer).</summary>
    public TaskOutputs Run(TaskData data, bool withTargets = true)
    {
        var graph = _graphs.TryTake(out var idle) ? idle : new Graph(Backend);
        try
        {
            return TaskRunner.Run(graph, _network, data, BatchSize, withTargets, Pack);
        }
        finally
        {
            _graphs.Add(graph);   // TaskRunner leaves its arena empty
        }
    }

    /// <summary>classify, pair: the class of each text (or pair) with its probability.</summary>
    /// <param name="features">One external feature vector per input, required exactly when the model takes them
    /// (<see cref="TaskSpec.ExternalFeatures"/> values each).</param>
    public ClassPrediction[] Classify(IReadOnlyList<(string Text, string? Pair)> inputs, IReadOnlyList<float[]>? features = null)
    {
        var data = (SequenceTaskData)Prepare(TaskFile.FromSequences(Require(TaskKind.Classify, TaskKind.Pair), Sequences(inputs)));
        Attach(data, features);
        return data.Classes(Run(data, withTargets: false));
    }

    /// <summary>classify, pair: one text (or pair).</summary>
    public ClassPrediction Classify(string text, string? pair = null) => Classify([(text, pair)])[0];

    /// <summary>
    /// classify: the class probabilities (softmax of the logits, in <see cref="TaskSpec.Labels"/> order) of inputs
    /// given as token ids — each the tokens of one text without [CLS] and [SEP], which are added here. Selective
    /// masking (<see cref="Importance.TokenImportance"/>) scores sentences cut and rejoined token by token this way,
    /// which text could not express (a "##" piece without its word).
    /// </summary>
    /// <param name="inputs">The token ids of each input: at most <see cref="TaskSpec.MaxSequenceLength"/> − 2, possibly none.</param>
    /// <returns>[inputs][labels] probabilities.</returns>
    /// <exception cref="ArgumentException">An input longer than the model takes, or an id outside the vocabulary.</exception>
    public double[][] ClassProbabilities(IReadOnlyList<IReadOnlyList<int>> inputs)
    {
        Require(TaskKind.Classify);
        RequireFeatures(false);
        var vocabulary = Tokenizer.Vocabulary;
        var encodings = new Text.Encoding[inputs.Count];
        for (int i = 0; i < encodings.Length; i++)
        {
            var tokens = inputs[i];
            if (tokens.Count > Spec.MaxSequenceLength - 2)
                throw new ArgumentException($"input {i} has {tokens.Count} tokens; {Directory} takes at most {Spec.MaxSequenceLength - 2} besides [CLS] and [SEP]", nameof(inputs));
            foreach (int id in tokens)
                if ((uint)id >= (uint)vocabulary.Count)
                    throw new ArgumentException($"input {i} holds token id {id}, outside the vocabulary of {vocabulary.Count}", nameof(inputs));
            int[] ids = [vocabulary.ClsId, .. tokens, vocabulary.SepId];
            int[] sequenceIds = ids.Select((_, t) => t == 0 || t == ids.Length - 1 ? -1 : 0).ToArray();
            encodings[i] = new Text.Encoding(ids, ids.Select(id => vocabulary[id]).ToArray(), new int[ids.Length], new (int, int)[ids.Length],
                sequenceIds, sequenceIds.Select((s, t) => s < 0 ? -1 : t - 1).ToArray());
        }
        return Run(new SequenceTaskData(Spec, encodings, vocabulary.PadId), withTargets: false).Logits.Select(Softmax).ToArray();
    }

    /// <summary>exp(x − max) / Σ exp(x − max) of one row of logits, in double precision.</summary>
    private static double[] Softmax(float[] logits)
    {
        double max = logits.Max();
        double[] p = logits.Select(l => Math.Exp(l - max)).ToArray();
        double sum = p.Sum();
        return p.Select(x => x / sum).ToArray();
    }

    /// <summary>regress: the predicted value of each text (or pair).</summary>
    /// <param name="features">As for <see cref="Classify(IReadOnlyList{ValueTuple{string, string}}, IReadOnlyList{float[]})"/>.</param>
    public float[] Regress(IReadOnlyList<(string Text, string? Pair)> inputs, IReadOnlyList<float[]>? features = null)
    {
        var data = (SequenceTaskData)Prepare(TaskFile.FromSequences(Require(TaskKind.Regress), Sequences(inputs)));
        Attach(data, features);
        return data.Values(Run(data, withTargets: false));
    }

    /// <summary>Whether external features go with the inputs: they must be given exactly when the model takes them.</summary>
    private bool RequireFeatures(bool given)
    {
        if (given && Spec.ExternalFeatures == 0) throw new ArgumentException($"{Directory} takes no external features");
        if (!given && Spec.ExternalFeatures > 0) throw new ArgumentException($"{Directory} takes {Spec.ExternalFeatures} external features per example; none were given");
        return given;
    }

    private void Attach(SequenceTaskData data, IReadOnlyList<float[]>? features)
    {
        if (!RequireFeatures(features != null)) return;
        if (features!.Count != data.Count || features.Any(f => f.Length != Spec.ExternalFeatures))
            throw new ArgumentException($"give one vector of {Spec.ExternalFeatures} external features per input ({data.Count})");
        data.AttachExternal(features.SelectMany(f => f).ToArray());
    }

    /// <summary>regress: one text (or pair).</summary>
    public float Regress(string text, string? pair = null) => Regress([(text, pair)])[0];

    /// <summary>ner: one IOB2 tag per word of each sentence (words past the maximum length get "O").</summary>
    public string[][] Tag(IReadOnlyList<IReadOnlyList<string>> sentences)
    {
        Require(TaskKind.Ner);
        var data = (TokenTaskData)Prepare(TaskFile.FromSentences(sentences.Select((words, i) => new TaggedSentence(words, null, i + 1)).ToArray()));
        return data.Tags(Run(data, withTargets: false));
    }

    /// <summary>ner: one sentence.</summary>
    public string[] Tag(IReadOnlyList<string> words) => Tag([words])[0];

    /// <summary>qa: the best answer span of each context (UTF-16 offsets into the original context), with the n-best list.</summary>
    public QaPrediction[] Answer(IReadOnlyList<(string Question, string Context)> inputs)
    {
        Require(TaskKind.Qa);
        var questions = inputs.Select((q, i) => new QaExample((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "",
            q.Context, q.Question, [], i + 1)).ToArray();
        var data = (QaTaskData)Prepare(TaskFile.FromQuestions(questions));
        return data.Answers(Run(data, withTargets: false));
    }

    /// <summary>qa: one question about one context.</summary>
    public QaPrediction Answer(string question, string context) => Answer([(question, context)])[0];

    private TaskData Prepare(TaskFile file) => TaskData.Create(file, SpecFor(file.Task), Tokenizer);

    private static SequenceExample[] Sequences(IReadOnlyList<(string Text, string? Pair)> inputs) =>
        inputs.Select((x, i) => new SequenceExample(x.Text, x.Pair, null, null, i + 1)).ToArray();

    /// <summary>The model's spec, read as <paramref name="task"/> (classify and pair stand for each other).</summary>
    private TaskSpec SpecFor(TaskKind task)
    {
        if (task == Task) return Spec;
        if (task is TaskKind.Classify or TaskKind.Pair && Task is TaskKind.Classify or TaskKind.Pair) return Spec with { Task = task };
        throw new ArgumentException($"{Directory} is a {Task.Name()} model; it cannot do {task.Name()}");
    }

    /// <summary>The model's task when it is one of <paramref name="tasks"/>.</summary>
    private TaskKind Require(params TaskKind[] tasks) => tasks.Contains(Task)
        ? Task
        : throw new InvalidOperationException($"{Directory} is a {Task.Name()} model, not {string.Join(" or ", tasks.Select(t => t.Name()))}" +
            (Task == TaskKind.Similarity ? ": it makes sentence vectors (SentenceEmbedder; bertcore embed, index, search)" : ""));

    public void Dispose()
    {
        while (_graphs.TryTake(out var graph)) graph.Dispose();
        _network.Dispose();
    }
}
