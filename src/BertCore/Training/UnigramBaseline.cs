using BertCore.Data;
using BertCore.Nn.Heads;

namespace BertCore.Training;

/// <summary>
/// The masked-LM floor a model must beat: a unigram model of the training corpus (token frequencies, add-one
/// smoothed over the vocabulary) scored on held-out masked positions — accuracy of always predicting the most
/// frequent token, and perplexity exp(mean −log p(target)).
/// </summary>
public static class UnigramBaseline
{
    /// <summary>Scores the next <paramref name="batches"/> batches of <paramref name="heldOut"/> (rewind it first
    /// to compare with a model's evaluation on the same batches).</summary>
    public static MlmEvaluation Evaluate(ITokenCorpus train, int vocabSize, IPretrainingBatchSource heldOut, int batches)
    {
        var counts = new long[vocabSize];
        for (int s = 0; s < train.SentenceCount; s++)
        {
            long start = train.SentenceStart(s);
            foreach (int id in train.Tokens(start, checked((int)(train.SentenceStart(s + 1) - start)))) counts[id]++;
        }
        int mostFrequent = Array.IndexOf(counts, counts.Max());
        double total = train.TokenCount + vocabSize;
        long masked = 0, correct = 0;
        double nll = 0;
        for (int b = 0; b < batches; b++)
        {
            foreach (int label in heldOut.Next().MlmLabels)
            {
                if (label == MlmHead.IgnoreIndex) continue;
                masked++;
                if (label == mostFrequent) correct++;
                nll -= Math.Log((counts[label] + 1) / total);
            }
        }
        if (masked == 0) throw new InvalidOperationException($"the {batches} held-out batches hold no masked position");
        return new MlmEvaluation((double)correct / masked, Math.Exp(nll / masked), nll / masked, masked);
    }
}
