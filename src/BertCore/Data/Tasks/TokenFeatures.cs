using BertCore.IO;
using BertCore.Text;

namespace BertCore.Data.Tasks;

/// <summary>One sentence encoded for token classification.</summary>
/// <param name="Encoding">[CLS] words [SEP] from <see cref="BertTokenizer.EncodeWords"/>; <see cref="Encoding.WordIds"/> maps each token to its word.</param>
/// <param name="Labels">[Length] label id on the first sub-token of each word, <see cref="TokenFeatures.IgnoreIndex"/> on the other sub-tokens, on [CLS]/[SEP] and everywhere when the sentence is unlabeled.</param>
/// <param name="FirstTokens">[words] index of each word's first sub-token, or -1 when the word has none (cut by truncation, or a word without tokens such as a zero-width space).</param>
public sealed record TokenFeature(Encoding Encoding, int[] Labels, int[] FirstTokens)
{
    /// <summary>Tokens, special tokens included (what batching pads to).</summary>
    public int Length => Encoding.Length;

    /// <summary>Number of words of the sentence (including those without a token).</summary>
    public int WordCount => FirstTokens.Length;
}

/// <summary>
/// Turns tagged sentences into model inputs and token predictions back into one tag per word, as Hugging Face's
/// <c>run_ner.py</c> does (<c>label_all_tokens=False</c>): only a word's first sub-token is trained and read.
/// </summary>
public static class TokenFeatures
{
    /// <summary>The label of tokens the loss ignores (PyTorch's and Hugging Face's -100).</summary>
    public const int IgnoreIndex = -100;

    /// <summary>Encodes sentences, truncating each to <paramref name="maxLength"/> tokens.</summary>
    /// <param name="sentences">The sentences (tags may be null, e.g. prediction input).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="maxLength">Longest encoding, special tokens included; words past it get no token.</param>
    /// <param name="labels">The model's tags.</param>
    /// <param name="source">The file the sentences came from, named in errors.</param>
    /// <exception cref="InvalidFileException">A tag is not one of <paramref name="labels"/>, or a sentence has a different number of tags and words.</exception>
    public static TokenFeature[] Convert(IReadOnlyList<TaggedSentence> sentences, BertTokenizer tokenizer, int maxLength,
        LabelVocabulary labels, string source)
    {
        var features = new TokenFeature[sentences.Count];
        for (int s = 0; s < features.Length; s++)
        {
            TaggedSentence sentence = sentences[s];
            if (sentence.Tags is not null && sentence.Tags.Count != sentence.Words.Count)
                throw new InvalidFileException(source, sentence.Line, $"{sentence.Tags.Count} tags for {sentence.Words.Count} words");
            Encoding encoding = tokenizer.EncodeWords(sentence.Words, maxLength: maxLength, truncation: Truncation.LongestFirst);
            var tokenLabels = new int[encoding.Length];
            Array.Fill(tokenLabels, IgnoreIndex);
            var firstTokens = new int[sentence.Words.Count];
            Array.Fill(firstTokens, -1);
            for (int t = 0; t < encoding.Length; t++)
            {
                int word = encoding.WordIds[t];
                if (word < 0 || firstTokens[word] >= 0)
                    continue;
                firstTokens[word] = t;
                if (sentence.Tags is null)
                    continue;
                string tag = sentence.Tags[word];
                if (!labels.TryGetId(tag, out tokenLabels[t]))
                    throw new InvalidFileException(source, sentence.Line + word, $"tag '{tag}' is not one of the model's labels {labels.Describe()}");
            }
            features[s] = new TokenFeature(encoding, tokenLabels, firstTokens);
        }
        return features;
    }

    /// <summary>The predicted label id of each word: the arg-max of its first sub-token's logits (-1 for a word without tokens).</summary>
    /// <param name="feature">The sentence's feature.</param>
    /// <param name="logits">[S, numLabels] this row's logits, row-major, S ≥ <see cref="TokenFeature.Length"/> (padding past it is ignored).</param>
    /// <param name="numLabels">Number of labels.</param>
    public static int[] PredictWords(TokenFeature feature, ReadOnlySpan<float> logits, int numLabels)
    {
        if (logits.Length < feature.Length * numLabels)
            throw new ArgumentException($"{logits.Length} logits for {feature.Length} tokens × {numLabels} labels.", nameof(logits));
        var words = new int[feature.WordCount];
        for (int w = 0; w < words.Length; w++)
        {
            int t = feature.FirstTokens[w];
            words[w] = t < 0 ? -1 : ArgMax(logits.Slice(t * numLabels, numLabels));
        }
        return words;
    }

    /// <summary>
    /// The predicted tag of each word; a word without tokens gets <paramref name="missing"/> (so every word of the
    /// input has a tag, and a truncated tail counts as a miss in entity-level scores).
    /// </summary>
    public static string[] PredictTags(TokenFeature feature, ReadOnlySpan<float> logits, LabelVocabulary labels, string missing = "O") =>
        PredictWords(feature, logits, labels.Count).Select(id => id < 0 ? missing : labels[id]).ToArray();

    /// <summary>Index of the largest value (the first on ties, as NumPy's argmax).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best])
                best = i;
        return best;
    }
}
