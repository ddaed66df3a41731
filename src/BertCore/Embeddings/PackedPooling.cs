using BertCore.Autograd;
using BertCore.Nn.Bert;

namespace BertCore.Embeddings;

/// <summary>
/// Sentence vectors from a packed encoder output (<see cref="BertEncoder.ForwardPacked"/>): each sequence's rows pooled
/// as <see cref="EmbeddingPooling"/> says (mean or max over its tokens, or its first token), then L2-normalized when
/// asked. Computed on the host in a fixed order over each sequence's own rows, so a sentence's vector is the same bits
/// whatever else was in its batch.
/// </summary>
public static class PackedPooling
{
    /// <summary>The vector [H] of each of the output's N sequences (downloads the last hidden state).</summary>
    public static float[][] Pool(Graph g, PackedOutput output, EmbeddingPooling pooling)
    {
        var hidden = output.LastHiddenState;
        var host = new float[checked((int)hidden.Count)];
        g.Backend.Download(hidden, host);
        return Pool(host, output.Offsets, hidden.Shape[1], pooling);
    }

    /// <summary>The vector [width] of each sequence of <paramref name="hidden"/> [T, width], sequence n in rows
    /// offsets[n] .. offsets[n+1]-1 (offsets [N+1], each sequence non-empty).</summary>
    /// <exception cref="ArgumentException">The offsets do not cut the rows into non-empty sequences.</exception>
    public static float[][] Pool(ReadOnlySpan<float> hidden, IReadOnlyList<int> offsets, int width, EmbeddingPooling pooling)
    {
        if (width <= 0 || hidden.Length % width != 0 || offsets.Count < 1 || offsets[0] != 0 || offsets[^1] != hidden.Length / width)
            throw new ArgumentException($"offsets must cut the {hidden.Length / Math.Max(width, 1)} rows of width {width} from 0 to the last");
        var vectors = new float[offsets.Count - 1][];
        for (int n = 0; n < vectors.Length; n++)
        {
            int from = offsets[n], to = offsets[n + 1];
            if (to <= from) throw new ArgumentException($"sequence {n} is empty (offsets {from}, {to})");
            var v = vectors[n] = hidden.Slice(from * width, width).ToArray();
            if (pooling.Mode != PoolingMode.Cls)
            {
                for (int r = from + 1; r < to; r++)
                {
                    var row = hidden.Slice(r * width, width);
                    for (int c = 0; c < width; c++) v[c] = pooling.Mode == PoolingMode.Max ? MathF.Max(v[c], row[c]) : v[c] + row[c];
                }
                if (pooling.Mode == PoolingMode.Mean)
                    for (int c = 0; c < width; c++) v[c] /= to - from;
            }
            if (pooling.Normalize) Normalize(v);
        }
        return vectors;
    }

    /// <summary>v /= max(‖v‖₂, 1e-12), as torch.nn.functional.normalize (sentence-transformers' Normalize module).</summary>
    private static void Normalize(float[] v)
    {
        double squares = 0;
        foreach (float x in v) squares += (double)x * x;
        float norm = (float)Math.Max(Math.Sqrt(squares), 1e-12);
        for (int c = 0; c < v.Length; c++) v[c] /= norm;
    }
}
