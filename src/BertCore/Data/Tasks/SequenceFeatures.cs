using BertCore.IO;
using BertCore.Text;

namespace BertCore.Data.Tasks;

/// <summary>One sequence-task example encoded for the model.</summary>
/// <param name="Encoding">[CLS] text [SEP] (pair [SEP]), truncated longest-first to the maximum length.</param>
/// <param name="Label">Class id for classification; -1 when unlabeled or for regression.</param>
/// <param name="Value">Regression target; NaN when unlabeled or for classification.</param>
public sealed record SequenceFeature(Encoding Encoding, int Label, float Value)
{
    /// <summary>Tokens, special tokens included (what batching pads to).</summary>
    public int Length => Encoding.Length;
}

/// <summary>Turns sequence-task examples into model inputs (Hugging Face <c>run_glue.py</c>'s preprocessing).</summary>
public static class SequenceFeatures
{
    /// <summary>Encodes classification examples; labels become ids of <paramref name="labels"/>.</summary>
    /// <param name="examples">The examples (labels may be null, e.g. prediction input).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="maxLength">Longest encoding, special tokens included; longer ones are truncated longest-first.</param>
    /// <param name="labels">The model's labels.</param>
    /// <param name="source">The file the examples came from, named in errors.</param>
    /// <exception cref="InvalidFileException">An example's label is not one of <paramref name="labels"/>.</exception>
    public static SequenceFeature[] ForClassification(IReadOnlyList<SequenceExample> examples, BertTokenizer tokenizer,
        int maxLength, LabelVocabulary labels, string source)
    {
        var features = new SequenceFeature[examples.Count];
        for (int i = 0; i < features.Length; i++)
        {
            SequenceExample e = examples[i];
            int label = -1;
            if (e.Label is not null && !labels.TryGetId(e.Label, out label))
                throw new InvalidFileException(source, e.Line, $"label '{e.Label}' is not one of the model's labels {labels.Describe()}");
            features[i] = new SequenceFeature(Encode(e, tokenizer, maxLength), label, float.NaN);
        }
        return features;
    }

    /// <summary>Encodes regression examples (read with <see cref="LabelKind.Numeric"/>); the target is <see cref="SequenceExample.Value"/>.</summary>
    /// <exception cref="InvalidFileException">A labelled example was not read as a number.</exception>
    public static SequenceFeature[] ForRegression(IReadOnlyList<SequenceExample> examples, BertTokenizer tokenizer, int maxLength, string source)
    {
        var features = new SequenceFeature[examples.Count];
        for (int i = 0; i < features.Length; i++)
        {
            SequenceExample e = examples[i];
            if (e.Label is not null && e.Value is null)
                throw new InvalidFileException(source, e.Line, $"label '{e.Label}' was not read as a number (read the file with LabelKind.Numeric)");
            features[i] = new SequenceFeature(Encode(e, tokenizer, maxLength), -1, e.Value ?? float.NaN);
        }
        return features;
    }

    private static Encoding Encode(SequenceExample e, BertTokenizer tokenizer, int maxLength) =>
        tokenizer.Encode(e.Text, e.TextPair, maxLength, Truncation.LongestFirst);
}
