using BertCore.Text;

namespace BertCore.Data.Tasks;

/// <summary>One window of one question's context, encoded for the QA model.</summary>
/// <param name="Example">Index of the question in the example list.</param>
/// <param name="Window">0 for the window at the start of the context, then 1, 2, …</param>
/// <param name="Encoding">
/// [CLS] question [SEP] context window [SEP]. Context tokens have <see cref="Encoding.SequenceIds"/> 1 and
/// <see cref="Encoding.Offsets"/> into the ORIGINAL context; the question's offsets point into the question.
/// </param>
/// <param name="StartPosition">Token index of the first answer's first token, or 0 ([CLS]) when the answer is not wholly inside this window.</param>
/// <param name="EndPosition">Token index of the first answer's last token, or 0 ([CLS]).</param>
public sealed record QaFeature(int Example, int Window, Encoding Encoding, int StartPosition, int EndPosition)
{
    /// <summary>Tokens, special tokens included (what batching pads to).</summary>
    public int Length => Encoding.Length;

    /// <summary>Whether token <paramref name="t"/> is a context token.</summary>
    public bool IsContext(int t) => t < Encoding.Length && Encoding.SequenceIds[t] == 1;
}

/// <summary>Lengths that shape QA features (Hugging Face <c>run_qa.py</c>'s defaults).</summary>
public sealed record QaFeatureOptions
{
    /// <summary>Longest feature, special tokens included.</summary>
    public int MaxLength { get; init; } = 384;

    /// <summary>Context tokens shared by consecutive windows (HF's <c>doc_stride</c>: an overlap, not a step).</summary>
    public int DocStride { get; init; } = 128;

    /// <summary>Question tokens kept; longer questions are cut at the end (as the original BERT <c>run_squad.py</c>).</summary>
    public int MaxQueryLength { get; init; } = 64;
}

/// <summary>
/// Turns questions into overlapping context windows, as Hugging Face <c>run_qa.py</c>'s
/// <c>prepare_train_features</c> / <c>prepare_validation_features</c> do with a fast tokenizer
/// (<c>truncation="only_second"</c>, <c>stride</c>, <c>return_overflowing_tokens</c>).
/// </summary>
/// <remarks>
/// The context is tokenized once and cut into windows of <c>MaxLength - question - 3</c> tokens; window k starts at
/// <c>k · (window - DocStride)</c>, and the last window is the first one that reaches the end of the context
/// (the Rust tokenizers' overflow rule). Where HF's <c>run_qa.py</c> lets the start scan run past the last context
/// token into [SEP] (an answer that starts in a window's last token), the scan here stays inside the context.
/// </remarks>
public static class QaFeatures
{
    /// <summary>Encodes every question into one feature per context window, in example then window order.</summary>
    /// <exception cref="ArgumentException">The lengths leave no room for the context, or the stride is not smaller than a window.</exception>
    public static QaFeature[] Convert(IReadOnlyList<QaExample> examples, BertTokenizer tokenizer, QaFeatureOptions? options = null)
    {
        options ??= new QaFeatureOptions();
        if (options.MaxQueryLength < 1 || options.DocStride < 0)
            throw new ArgumentException($"MaxQueryLength {options.MaxQueryLength} must be positive and DocStride {options.DocStride} not negative.", nameof(options));
        var features = new List<QaFeature>();
        for (int e = 0; e < examples.Count; e++)
        {
            QaExample example = examples[e];
            string question = example.Question.TrimStart();
            int questionShift = example.Question.Length - question.Length;
            Encoding q = tokenizer.Encode(question, truncation: Truncation.None, addSpecialTokens: false);
            Encoding c = tokenizer.Encode(example.Context, truncation: Truncation.None, addSpecialTokens: false);
            int questionLength = Math.Min(q.Length, options.MaxQueryLength);
            int window = options.MaxLength - questionLength - 3;
            if (window <= options.DocStride)
                throw new ArgumentException(
                    $"MaxLength {options.MaxLength} leaves {window} context tokens per window after a {questionLength}-token question " +
                    $"(question '{example.Id}'), not more than DocStride {options.DocStride}; raise MaxLength or lower DocStride/MaxQueryLength.", nameof(options));
            for (int k = 0, start = 0; ; k++, start += window - options.DocStride)
            {
                int stop = Math.Min(start + window, c.Length);
                Encoding encoding = Assemble(tokenizer.Vocabulary, q, questionLength, questionShift, c, start, stop);
                (int startPosition, int endPosition) = AnswerPositions(example, encoding, questionLength + 2, stop - start);
                features.Add(new QaFeature(e, k, encoding, startPosition, endPosition));
                if (stop == c.Length)
                    break;
            }
        }
        return features.ToArray();
    }

    /// <summary>[CLS] q[..questionLength] [SEP] c[start..stop] [SEP] with segment ids, offsets, sequence and word ids.</summary>
    private static Encoding Assemble(Vocabulary vocabulary, Encoding q, int questionLength, int questionShift, Encoding c, int start, int stop)
    {
        int length = questionLength + (stop - start) + 3;
        var ids = new int[length];
        var typeIds = new int[length];
        var offsets = new (int, int)[length];
        var sequenceIds = new int[length];
        var wordIds = new int[length];
        int n = 0;
        void Special(int id, int type)
        {
            ids[n] = id;
            typeIds[n] = type;
            sequenceIds[n] = -1;
            wordIds[n] = -1;
            n++;
        }
        void Copy(Encoding source, int from, int to, int segment, int shift)
        {
            for (int i = from; i < to; i++, n++)
            {
                ids[n] = source.Ids[i];
                typeIds[n] = segment;
                offsets[n] = (source.Offsets[i].Start + shift, source.Offsets[i].End + shift);
                sequenceIds[n] = segment;
                wordIds[n] = source.WordIds[i];
            }
        }
        Special(vocabulary.ClsId, 0);
        Copy(q, 0, questionLength, 0, questionShift);
        Special(vocabulary.SepId, 0);
        Copy(c, start, stop, 1, 0);
        Special(vocabulary.SepId, 1);
        return new Encoding(ids, ids.Select(id => vocabulary[id]).ToArray(), typeIds, offsets, sequenceIds, wordIds);
    }

    /// <summary>Token positions of the first answer inside the window whose context tokens are [first, first + count), or (0, 0).</summary>
    private static (int Start, int End) AnswerPositions(QaExample example, Encoding encoding, int first, int count)
    {
        if (example.Answers.Count == 0 || count == 0)
            return (0, 0);
        int startChar = example.Answers[0].Start, endChar = example.Answers[0].End;
        int last = first + count - 1;
        if (!(encoding.Offsets[first].Start <= startChar && encoding.Offsets[last].End >= endChar))
            return (0, 0);
        int start = first;
        while (start <= last && encoding.Offsets[start].Start <= startChar)
            start++;
        int end = last;
        while (end >= first && encoding.Offsets[end].End >= endChar)
            end--;
        return (start - 1, end + 1);
    }
}
