namespace BertCore.Data;

/// <summary>
/// Cuts a tokenized corpus into pretraining examples as Google's BERT <c>create_pretraining_data.py</c> does
/// (<c>create_instances_from_document</c> and <c>truncate_seq_pair</c>), once, with every random choice drawn
/// from a stream keyed by (seed, document): the result depends only on the corpus and the options.
/// </summary>
/// <remarks>
/// <para><b>Pairs (NSP, SOP).</b> Per document, sentences are gathered into a chunk until it reaches a target length
/// (the maximum, max_seq_length − 3, or with <see cref="PretrainingDataOptions.ShortSequenceProbability"/> a
/// random length in [2, max]) or the document ends. A is the chunk's first 1..n−1 sentences (random split); B is
/// the rest. NSP: half the time, and always when the chunk cannot be split, B is instead text from a random other
/// document starting at a random sentence, long enough for the target, labelled 1, and the chunk's unused
/// sentences are put back for the next chunk. SOP: A and B are swapped half the time, labelled 1. The pair is then
/// cut to the maximum by removing one token at a time from the longer segment, at its front or back at random.</para>
/// <para>Where this differs from Google's script, and why: (1) the target length is drawn for every chunk, not once
/// per document — with the per-document draw a corpus that is one long document (WikiText without blank lines)
/// would be all short or all long; (2) a sentence longer than the maximum is first split into near-equal pieces
/// that fit, instead of having most of it truncated away; (3) a chunk that is a single sentence (piece) is split
/// at a random token, instead of forcing a random next segment — with paragraph-per-line corpora most chunks are
/// one line, and the forced random B would push the NSP labels far from 50% (and has no SOP equivalent). A single
/// token chunk still gets a random B for NSP and is skipped for SOP. With one document, NSP's "other document"
/// is the same document after 10 tries, as in Google's script.</para>
/// <para><b>Single segments (MLM).</b> RoBERTa's DOC-SENTENCES: consecutive whole sentences of one document packed
/// up to the target (max_seq_length − 2, or a random shorter one as above); a sentence longer than the target is
/// cut at it and its rest starts the next example, so no text is lost. With <see cref="PretrainingDataOptions.Pack"/>
/// the whole corpus is one stream cut every max_seq_length − 2 tokens instead.</para>
/// </remarks>
public static class ExampleBuilder
{
    /// <summary>The examples of <paramref name="corpus"/>, document after document.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public static PretrainingExample[] Create(ITokenCorpus corpus, PretrainingDataOptions options)
    {
        options.Validate();
        if (options.Pack)
            return Packed(corpus, options.MaxSequenceLength - 2);
        var examples = new List<PretrainingExample>();
        for (int d = 0; d < corpus.DocumentCount; d++)
        {
            var random = new RandomStream(options.Seed, RandomPurpose.Examples, (ulong)d);
            if (options.Objective == PretrainingObjective.Mlm)
                Pack(corpus, d, options, random, examples);
            else
                Pairs(corpus, d, options, random, examples);
        }
        return examples.ToArray();
    }

    /// <summary>The corpus as consecutive runs of <paramref name="length"/> tokens (the last one shorter).</summary>
    private static PretrainingExample[] Packed(ITokenCorpus corpus, int length)
    {
        long count = (corpus.TokenCount + length - 1) / length;
        var examples = new PretrainingExample[count];
        for (long e = 0; e < count; e++)
            examples[e] = new PretrainingExample(e * length, (int)Math.Min(length, corpus.TokenCount - e * length), 0, 0, -1);
        return examples;
    }

    private static int Target(int max, PretrainingDataOptions options, RandomStream random) =>
        random.NextDouble() < options.ShortSequenceProbability ? random.NextInt(2, max + 1) : max;

    private static void Pack(ITokenCorpus corpus, int document, PretrainingDataOptions options, RandomStream random, List<PretrainingExample> examples)
    {
        int max = options.MaxSequenceLength - 2;
        (int sentence, int end) = corpus.DocumentSentences(document);
        long position = corpus.SentenceStart(sentence), documentEnd = corpus.SentenceStart(end);
        while (position < documentEnd)
        {
            long limit = position + Target(max, options, random), cut = position;
            for (; sentence < end && corpus.SentenceStart(sentence + 1) <= limit; sentence++)
                cut = corpus.SentenceStart(sentence + 1);
            if (cut == position)
                cut = limit; // the sentence at position is longer than the target
            examples.Add(new PretrainingExample(position, (int)(cut - position), 0, 0, -1));
            position = cut;
        }
    }

    private static void Pairs(ITokenCorpus corpus, int document, PretrainingDataOptions options, RandomStream random, List<PretrainingExample> examples)
    {
        int max = options.MaxSequenceLength - 3;
        List<TokenRange> segments = Segments(corpus, document, max);
        int target = Target(max, options, random), chunkFirst = 0;
        long chunkTokens = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            chunkTokens += segments[i].Length;
            if (i < segments.Count - 1 && chunkTokens < target)
                continue;
            int count = i - chunkFirst + 1, firstEnd;
            long start = segments[chunkFirst].Start, split, end = segments[i].End;
            if (count >= 2)
            {
                firstEnd = chunkFirst + random.NextInt(1, count);
                split = segments[firstEnd].Start;
            }
            else
            {
                firstEnd = i + 1;
                split = chunkTokens >= 2 ? start + random.NextLong(1, chunkTokens) : end;
            }
            var a = new TokenRange(start, split - start);
            var rest = new TokenRange(split, end - split);
            TokenRange b;
            int relation;
            if (options.Objective == PretrainingObjective.MlmNsp)
            {
                if (rest.Length == 0 || random.NextDouble() < 0.5)
                {
                    (b, relation) = (RandomNext(corpus, document, target - a.Length, max, random), 1);
                    i = firstEnd - 1; // put the unused sentences back
                }
                else
                    (b, relation) = (rest, 0);
            }
            else if (rest.Length == 0)
                (b, relation) = (default, -1);
            else if (random.NextDouble() < 0.5)
                (a, b, relation) = (rest, a, 1);
            else
                (b, relation) = (rest, 0);
            if (relation >= 0)
            {
                Truncate(ref a, ref b, max, random);
                examples.Add(new PretrainingExample(a.Start, (int)a.Length, b.Start, (int)b.Length, relation));
            }
            chunkFirst = i + 1;
            chunkTokens = 0;
            target = Target(max, options, random);
        }
    }

    /// <summary>A token range [Start, Start + Length).</summary>
    private record struct TokenRange(long Start, long Length)
    {
        public readonly long End => Start + Length;
    }

    /// <summary>The document's sentences, each longer than <paramref name="max"/> split into near-equal pieces that fit.</summary>
    private static List<TokenRange> Segments(ITokenCorpus corpus, int document, int max)
    {
        var segments = new List<TokenRange>();
        (int first, int end) = corpus.DocumentSentences(document);
        for (int s = first; s < end; s++)
        {
            long start = corpus.SentenceStart(s), length = corpus.SentenceStart(s + 1) - start;
            long pieces = (length + max - 1) / max;
            for (long p = 0; p < pieces; p++)
                segments.Add(new TokenRange(start + length * p / pieces, length * (p + 1) / pieces - length * p / pieces));
        }
        return segments;
    }

    /// <summary>Whole sentences of a random other document, from a random sentence on, until <paramref name="target"/> tokens (at most <paramref name="max"/>).</summary>
    private static TokenRange RandomNext(ITokenCorpus corpus, int document, long target, int max, RandomStream random)
    {
        int other = document;
        for (int attempt = 0; attempt < 10 && other == document; attempt++)
            other = random.NextInt(0, corpus.DocumentCount);
        (int first, int end) = corpus.DocumentSentences(other);
        int s = random.NextInt(first, end);
        long start = corpus.SentenceStart(s), stop = corpus.SentenceStart(s + 1);
        for (s++; s < end && stop - start < target; s++)
            stop = corpus.SentenceStart(s + 1);
        return new TokenRange(start, Math.Min(stop - start, max));
    }

    /// <summary>Google's <c>truncate_seq_pair</c>: drop a token from the front or back (at random) of the longer segment until the pair fits.</summary>
    private static void Truncate(ref TokenRange a, ref TokenRange b, int max, RandomStream random)
    {
        while (a.Length + b.Length > max)
        {
            ref TokenRange longer = ref a.Length > b.Length ? ref a : ref b;
            if (random.NextDouble() < 0.5)
                longer.Start++;
            longer.Length--;
        }
    }
}
