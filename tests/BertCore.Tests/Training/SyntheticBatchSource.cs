using BertCore.Data;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;

namespace BertCore.Tests.Training;

/// <summary>
/// A seeded, endless, resumable stream of masked-LM batches over ids 5..vocab-1 ([PAD] 0, [CLS] 2, [SEP] 3,
/// [MASK] 4): batch k depends only on (seed, k), so Seek is exact. Rows are [CLS] A [SEP] B [SEP] with a learnable
/// pattern (each id tends to be followed by id + 1), padded to different lengths; exactly
/// <c>masksPerRow</c> content positions per row are masked (80% [MASK], 10% random, 10% kept).
/// </summary>
internal sealed class SyntheticBatchSource(int vocab, int batch, int sequence, int seed, bool relationLabels = true, int masksPerRow = 3)
    : IPretrainingBatchSource
{
    private long _next;

    public PretrainingBatch Next()
    {
        var random = new Random(unchecked(seed * 1_000_003 + (int)_next++));
        int n = batch * sequence;
        int[] ids = new int[n], types = new int[n], mask = new int[n], labels = Enumerable.Repeat(MlmHead.IgnoreIndex, n).ToArray();
        var relations = new int[batch];
        for (int row = 0; row < batch; row++)
        {
            int length = sequence - random.Next(0, sequence / 3), split = 1 + random.Next(2, length - 3);
            relations[row] = random.Next(2);
            int word = random.Next(5, vocab);
            for (int i = 0; i < length; i++)
            {
                int at = row * sequence + i;
                mask[at] = 1;
                types[at] = i > split ? 1 : 0;
                if (i == 0) ids[at] = 2;
                else if (i == split || i == length - 1) ids[at] = 3;
                else
                {
                    word = random.NextDouble() < 0.8 ? 5 + (word - 4) % (vocab - 5) : random.Next(5, vocab);
                    ids[at] = word;
                }
            }
            var content = Enumerable.Range(1, length - 2).Where(i => i != split).OrderBy(_ => random.Next()).Take(masksPerRow);
            foreach (int i in content)
            {
                int at = row * sequence + i;
                labels[at] = ids[at];
                double r = random.NextDouble();
                ids[at] = r < 0.8 ? 4 : r < 0.9 ? random.Next(5, vocab) : ids[at];
            }
        }
        return new PretrainingBatch(new BertBatch(batch, sequence, ids, types, mask), labels, relationLabels ? relations : null);
    }

    public IReadOnlyDictionary<string, long> Position => new Dictionary<string, long> { ["next"] = _next };

    public void Seek(IReadOnlyDictionary<string, long> position) => _next = position["next"];
}
