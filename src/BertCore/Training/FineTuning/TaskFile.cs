using BertCore.Data.Tasks;
using BertCore.IO;

namespace BertCore.Training.FineTuning;

/// <summary>
/// The examples of one task as read from a file (or given in memory for prediction), before tokenization: texts
/// or pairs for classify / pair / regress, tagged sentences for ner, questions with contexts for qa, sentence pairs
/// (or triplets) for similarity. Exactly one of <see cref="Sequences"/>, <see cref="Sentences"/>,
/// <see cref="Questions"/> and <see cref="Similarities"/> is set.
/// </summary>
public sealed class TaskFile
{
    private TaskFile(string source, TaskKind task, IReadOnlyList<SequenceExample>? sequences, IReadOnlyList<TaggedSentence>? sentences,
        IReadOnlyList<QaExample>? questions, SimilarityDataset? similarities = null)
    {
        Source = source;
        Task = task;
        Sequences = sequences;
        Sentences = sentences;
        Questions = questions;
        Similarities = similarities;
    }

    /// <summary>The file the examples came from (or a name for in-memory input), named in errors.</summary>
    public string Source { get; }

    public TaskKind Task { get; }

    /// <summary>classify, pair, regress: the texts (and pairs) with their labels.</summary>
    public IReadOnlyList<SequenceExample>? Sequences { get; }

    /// <summary>ner: the words of each sentence with their tags.</summary>
    public IReadOnlyList<TaggedSentence>? Sentences { get; }

    /// <summary>qa: the questions, each with its context and reference answers.</summary>
    public IReadOnlyList<QaExample>? Questions { get; }

    /// <summary>similarity: the pairs (scored) or anchors with positives and optional hard negatives.</summary>
    public SimilarityDataset? Similarities { get; }

    /// <summary>Number of examples (texts, sentences, questions or pairs).</summary>
    public int Count => Sequences?.Count ?? Sentences?.Count ?? Questions?.Count ?? Similarities!.Examples.Count;

    /// <summary>
    /// Reads <paramref name="path"/> in the task's format: sequence tasks from TSV/CSV/JSONL (see
    /// <see cref="SequenceFileReader"/>: classify reads one sentence per row even when the file has a second
    /// sentence column, pair requires one, regress takes either and parses labels as numbers), ner from CoNLL
    /// (IOB1 rewritten as IOB2), qa from SQuAD v1.1 JSON, similarity as <see cref="SimilarityFileReader"/> reads it.
    /// </summary>
    /// <param name="requireLabels">Every example must be labelled (training, evaluation).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">The file does not fit the task's format; the message names the line.</exception>
    public static TaskFile Read(string path, TaskKind task, bool requireLabels = true)
    {
        switch (task)
        {
            case TaskKind.Ner:
                var sentences = ConllReader.Read(path).Sentences;
                return new TaskFile(path, task, null, sentences, null);
            case TaskKind.Similarity:
                return new TaskFile(path, task, null, null, null, SimilarityFileReader.Read(path));
            case TaskKind.Qa:
                var questions = SquadReader.Read(path).Examples;
                if (requireLabels && questions.FirstOrDefault(q => q.Answers.Count == 0) is { } unanswered)
                    throw new InvalidFileException(path, unanswered.Line, $"question '{unanswered.Id}' has no answer (SQuAD v1.1 needs one to train and score)");
                return new TaskFile(path, task, null, null, questions);
            default:
                var options = new SequenceReadOptions
                {
                    PairColumn = task == TaskKind.Classify ? "" : null,
                    RequireLabels = requireLabels,
                    LabelKind = task == TaskKind.Regress ? LabelKind.Numeric : LabelKind.Categorical,
                };
                var dataset = SequenceFileReader.Read(path, options);
                if (task == TaskKind.Pair && !dataset.IsPair)
                    throw new InvalidFileException(path, 1, $"task pair needs a second-sentence column or field; looked for {string.Join(", ", SequenceFileReader.PairColumns)}");
                return new TaskFile(path, task, dataset.Examples, null, null);
        }
    }

    /// <summary>Texts (with their optional pairs) for classify, pair or regress; labels may be null.</summary>
    public static TaskFile FromSequences(TaskKind task, IReadOnlyList<SequenceExample> examples, string source = "<input>")
    {
        if (task is not (TaskKind.Classify or TaskKind.Pair or TaskKind.Regress))
            throw new ArgumentException($"task {task.Name()} does not take texts", nameof(task));
        return new TaskFile(source, task, examples, null, null);
    }

    /// <summary>Sentence pairs (or triplets) for similarity.</summary>
    public static TaskFile FromSimilarities(SimilarityDataset pairs) => new(pairs.Path, TaskKind.Similarity, null, null, null, pairs);

    /// <summary>Sentences as word lists for ner; tags may be null.</summary>
    public static TaskFile FromSentences(IReadOnlyList<TaggedSentence> sentences, string source = "<input>") =>
        new(source, TaskKind.Ner, null, sentences, null);

    /// <summary>Questions with their contexts for qa; answers may be empty.</summary>
    public static TaskFile FromQuestions(IReadOnlyList<QaExample> questions, string source = "<input>") =>
        new(source, TaskKind.Qa, null, null, questions);

    /// <summary>The first <paramref name="count"/> examples (all of them when there are fewer), e.g. for a
    /// learning curve or a quick run on a large file.</summary>
    public TaskFile Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return count >= Count ? this : new TaskFile(Source, Task, Sequences?.Take(count).ToArray(), Sentences?.Take(count).ToArray(),
            Questions?.Take(count).ToArray(), Similarities is { } pairs ? pairs with { Examples = pairs.Examples.Take(count).ToArray() } : null);
    }

    /// <summary>The distinct labels of the examples (class names, or IOB2 tags), sorted as
    /// <see cref="LabelVocabulary.FromLabels"/> sorts them; null for regress and qa.</summary>
    /// <exception cref="InvalidFileException">A labelled task whose examples carry no label.</exception>
    public LabelVocabulary? Labels()
    {
        if (!Task.HasLabels()) return null;
        var labels = Sequences?.Select(e => e.Label) ?? Sentences!.SelectMany(s => s.Tags ?? []);
        try
        {
            return LabelVocabulary.FromLabels(labels);
        }
        catch (ArgumentException e)
        {
            throw new InvalidFileException(Source, null, "no labels: " + e.Message, e);
        }
    }
}
