using BertCore.Autograd;
using BertCore.Tensors;

namespace BertCore.Training.FineTuning.Similarity;

/// <summary>
/// The bi-encoder losses over sentence vectors, computed on the host in double precision and joined to the tape as a
/// <see cref="Graph.PrecomputedLoss"/> (as <see cref="Distillation.HostDistillationLosses"/> does): they need the
/// row norms and cosines of a [B·k, H] matrix, which the op set has no op for, and they are tiny next to the encoder
/// (B·k rows of H values, B² cosines). Each follows sentence-transformers' loss of the same name; vectors are unit-
/// normalized as <c>F.normalize</c> does (x / max(‖x‖, 1e-12)).
/// </summary>
/// <remarks>
/// The rows of <c>vectors</c> hold the k sentences of each of the B features side by side: row b·k + c is sentence c
/// (0 anchor / first sentence, 1 positive / second sentence, 2 hard negative) of feature b.
/// </remarks>
public static class HostSimilarityLosses
{
    private const double NormEps = 1e-12;

    /// <summary>CosineSimilarityLoss: (1/B) Σ_b (cos(u_b, v_b) − target_b)².</summary>
    /// <param name="vectors">[B·k, H] sentence vectors (k ≥ 2: the first two sentences of each feature are compared).</param>
    /// <param name="targets">[B] target cosines (the score scaled to [0, 1]).</param>
    /// <returns>[1].</returns>
    public static Tensor CosineLoss(this Graph g, Tensor vectors, int columns, ReadOnlySpan<float> targets)
    {
        var unit = new UnitRows(g, vectors, columns, targets.Length);
        int b = targets.Length;
        double loss = 0;
        var dCos = new double[b];
        for (int i = 0; i < b; i++)
        {
            double diff = unit.Cosine(i * columns, i * columns + 1) - targets[i];
            loss += diff * diff;
            dCos[i] = 2 * diff / b;
        }
        for (int i = 0; i < b; i++) unit.AddCosineGradient(i * columns, i * columns + 1, dCos[i]);
        return unit.Loss(loss / b);
    }

    /// <summary>
    /// CoSENTLoss: log(1 + Σ_{(i, j): score_i &lt; score_j} exp(s·cos_i − s·cos_j)) with s = <see cref="SimilarityLosses.Scale"/>,
    /// cos_b = cos(u_b, v_b); it only asks the cosines to be ordered as the scores are.
    /// </summary>
    /// <param name="vectors">[B·k, H] sentence vectors.</param>
    /// <param name="scores">[B] scores (any scale).</param>
    /// <returns>[1].</returns>
    public static Tensor CoSentLoss(this Graph g, Tensor vectors, int columns, ReadOnlySpan<float> scores)
    {
        var unit = new UnitRows(g, vectors, columns, scores.Length);
        int b = scores.Length;
        var s = new double[b];
        for (int i = 0; i < b; i++) s[i] = SimilarityLosses.Scale * unit.Cosine(i * columns, i * columns + 1);
        double max = 0;   // the log-sum-exp includes the term 0 (the "1 +")
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++)
                if (scores[i] < scores[j]) max = Math.Max(max, s[i] - s[j]);
        double sum = Math.Exp(-max);
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++)
                if (scores[i] < scores[j]) sum += Math.Exp(s[i] - s[j] - max);
        var dS = new double[b];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++)
                if (scores[i] < scores[j])
                {
                    double w = Math.Exp(s[i] - s[j] - max) / sum;
                    dS[i] += w;
                    dS[j] -= w;
                }
        for (int i = 0; i < b; i++) unit.AddCosineGradient(i * columns, i * columns + 1, SimilarityLosses.Scale * dS[i]);
        return unit.Loss(max + Math.Log(sum));
    }

    /// <summary>
    /// MultipleNegativesRankingLoss: the mean over anchors a_i of the cross-entropy of s·cos(a_i, c_j) over the
    /// candidates c = (every positive of the batch, then every hard negative when k = 3), the target being a_i's own
    /// positive; s = <see cref="SimilarityLosses.Scale"/>.
    /// </summary>
    /// <param name="vectors">[B·k, H] sentence vectors, k = 2 (anchor, positive) or 3 (with a hard negative).</param>
    /// <returns>[1].</returns>
    public static Tensor MultipleNegativesRankingLoss(this Graph g, Tensor vectors, int columns)
    {
        if (columns is not (2 or 3)) throw new ArgumentException($"multiple-negatives ranking takes pairs or triplets, not {columns} sentences per example");
        int b = vectors.Shape[0] / columns;
        var unit = new UnitRows(g, vectors, columns, b);
        int candidates = b * (columns - 1);
        int Candidate(int j) => j < b ? j * columns + 1 : (j - b) * columns + 2;
        var logits = new double[candidates];
        double loss = 0;
        for (int i = 0; i < b; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < candidates; j++) max = Math.Max(max, logits[j] = SimilarityLosses.Scale * unit.Cosine(i * columns, Candidate(j)));
            double sum = 0;
            for (int j = 0; j < candidates; j++) sum += Math.Exp(logits[j] - max);
            loss += max + Math.Log(sum) - logits[i];
            for (int j = 0; j < candidates; j++)
            {
                double dLogit = (Math.Exp(logits[j] - max) / sum - (j == i ? 1 : 0)) / b;
                unit.AddCosineGradient(i * columns, Candidate(j), SimilarityLosses.Scale * dLogit);
            }
        }
        return unit.Loss(loss / b);
    }

    /// <summary>The unit rows of a [B·k, H] matrix on the host and the gradient of a loss of their cosines.</summary>
    private sealed class UnitRows
    {
        private readonly Graph _g;
        private readonly Tensor _vectors;
        private readonly int _width;
        private readonly double[] _unit, _norm, _dUnit;
        private readonly bool _track;

        public UnitRows(Graph g, Tensor vectors, int columns, int features)
        {
            if (vectors.Shape.Rank != 2 || vectors.Shape[0] != features * columns || columns < 2)
                throw new ArgumentException($"sentence vectors {vectors.Shape} are not [{features}·{columns}, H] with at least 2 sentences per example");
            _g = g;
            _vectors = vectors;
            int rows = vectors.Shape[0];
            _width = vectors.Shape[1];
            var host = new float[rows * _width];
            g.Backend.Download(vectors, host);
            _unit = new double[host.Length];
            _norm = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                double sum = 0;
                for (int d = 0; d < _width; d++) sum += (double)host[r * _width + d] * host[r * _width + d];
                _norm[r] = Math.Max(Math.Sqrt(sum), NormEps);
                for (int d = 0; d < _width; d++) _unit[r * _width + d] = host[r * _width + d] / _norm[r];
            }
            _track = g.IsRecording && vectors.RequiresGrad;
            _dUnit = _track ? new double[host.Length] : [];
        }

        public double Cosine(int r, int q)
        {
            double dot = 0;
            for (int d = 0; d < _width; d++) dot += _unit[r * _width + d] * _unit[q * _width + d];
            return dot;
        }

        /// <summary>Adds dLoss/dcos(r, q) = <paramref name="dCos"/> into the gradient of the unit rows r and q.</summary>
        public void AddCosineGradient(int r, int q, double dCos)
        {
            if (!_track) return;
            for (int d = 0; d < _width; d++)
            {
                _dUnit[r * _width + d] += dCos * _unit[q * _width + d];
                _dUnit[q * _width + d] += dCos * _unit[r * _width + d];
            }
        }

        /// <summary>The loss on the tape, with d/dx of each row x = ‖x‖ x̂: (dx̂ − (dx̂·x̂) x̂) / ‖x‖.</summary>
        public Tensor Loss(double value)
        {
            if (!_track) return _g.PrecomputedLoss((float)value);
            var grad = new float[_unit.Length];
            for (int r = 0; r < _norm.Length; r++)
            {
                double along = 0;
                for (int d = 0; d < _width; d++) along += _dUnit[r * _width + d] * _unit[r * _width + d];
                for (int d = 0; d < _width; d++) grad[r * _width + d] = (float)((_dUnit[r * _width + d] - along * _unit[r * _width + d]) / _norm[r]);
            }
            return _g.PrecomputedLoss((float)value, (_vectors, grad));
        }
    }
}
