namespace BertCore.Training.FineTuning;

/// <summary>The fine-tuning tasks: what the head predicts and how it is scored.</summary>
public enum TaskKind
{
    /// <summary>Single-sentence classification (SST-2): one label per text; scored by accuracy.</summary>
    Classify,

    /// <summary>Sentence-pair classification (RTE, MRPC): one label per pair; scored by accuracy and F1.</summary>
    Pair,

    /// <summary>Regression of a score for a text or a pair (STS-B); scored by Pearson and Spearman correlation.</summary>
    Regress,

    /// <summary>Token classification (NER, CoNLL files): one IOB2 tag per word; scored by seqeval entity precision, recall and F1.</summary>
    Ner,

    /// <summary>Extractive question answering (SQuAD v1.1): an answer span of the context; scored by the official EM and F1.</summary>
    Qa,

    /// <summary>Bi-encoder (Siamese) sentence embeddings trained on pairs (STS-B scores, or positives with optional
    /// hard negatives): one shared encoder and pooling per sentence; scored by Spearman and Pearson correlation of
    /// the cosine with the score, and recall@1 of retrieving each pair's second sentence among the data's.</summary>
    Similarity,
}

/// <summary>Names, defaults and model classes of the <see cref="TaskKind"/>s.</summary>
public static class TaskKinds
{
    /// <summary>The names the command line and bertcore_task.json use, in enum order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["classify", "pair", "regress", "ner", "qa", "similarity"];

    /// <summary>The command-line name of a task ("classify", "pair", "regress", "ner", "qa", "similarity").</summary>
    public static string Name(this TaskKind task) => Names[(int)task];

    /// <summary>The task named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>.</exception>
    public static TaskKind Parse(string name)
    {
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], name, StringComparison.OrdinalIgnoreCase))
                return (TaskKind)i;
        throw new ArgumentException($"unknown task '{name}'; the tasks are {string.Join(", ", Names)}");
    }

    /// <summary>The metrics <see cref="TaskScores"/> reports, in the order they are printed.</summary>
    public static IReadOnlyList<string> Metrics(this TaskKind task) => task switch
    {
        TaskKind.Classify => ["accuracy"],
        TaskKind.Pair => ["accuracy", "f1"],
        TaskKind.Regress => ["pearson", "spearman"],
        TaskKind.Ner => ["precision", "recall", "f1"],
        TaskKind.Qa => ["exact_match", "f1"],
        TaskKind.Similarity => ["spearman", "pearson", "recall_at_1"],
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    /// <summary>The metric that model selection and early stopping follow (higher is better for every task):
    /// accuracy for classification (GLUE SST-2 and RTE), Pearson for regression, entity F1 for NER, F1 for QA,
    /// Spearman for similarity (as sentence-transformers selects; data without scores follows recall@1, see
    /// <see cref="TaskScores.Primary"/>).</summary>
    public static string PrimaryMetric(this TaskKind task) => task switch
    {
        TaskKind.Classify or TaskKind.Pair => "accuracy",
        TaskKind.Regress => "pearson",
        TaskKind.Ner or TaskKind.Qa => "f1",
        TaskKind.Similarity => "spearman",
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    /// <summary>The Hugging Face model class of the task's head, as config.json's <c>architectures</c> names it.</summary>
    public static string Architecture(this TaskKind task) => task switch
    {
        TaskKind.Classify or TaskKind.Pair or TaskKind.Regress => "BertForSequenceClassification",
        TaskKind.Ner => "BertForTokenClassification",
        TaskKind.Qa => "BertForQuestionAnswering",
        TaskKind.Similarity => "BertModel",
        _ => throw new ArgumentOutOfRangeException(nameof(task)),
    };

    /// <summary>Whether the task predicts one of a set of labels (and so has <c>id2label</c>).</summary>
    public static bool HasLabels(this TaskKind task) => task is TaskKind.Classify or TaskKind.Pair or TaskKind.Ner;

    /// <summary>Longest input in tokens when none is chosen: 384 for QA (Hugging Face run_qa.py), 128 otherwise.</summary>
    public static int DefaultMaxSequenceLength(this TaskKind task) => task == TaskKind.Qa ? 384 : 128;
}
