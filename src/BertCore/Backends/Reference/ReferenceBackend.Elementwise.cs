using BertCore.Tensors;

namespace BertCore.Backends.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>erf(x) to about 1e-15: Taylor series for |x| &lt; 3, Laplace continued fraction for erfc beyond.</summary>
    public static double Erf(double x) => Math.Abs(x) < 3 ? ErfSeries(x) : Math.Sign(x) * (1 - Erfc(Math.Abs(x)));

    /// <summary>erfc(x) = 1 - erf(x) with full relative precision in the right tail.</summary>
    public static double Erfc(double x)
    {
        if (x < 0) return 2 - Erfc(-x);
        if (x < 3) return 1 - ErfSeries(x);
        // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
        double f = x;
        for (int n = 60; n >= 1; n--) f = x + n / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)), for |x| &lt; 3 (terms stay below ~1e3).</summary>
    private static double ErfSeries(double x)
    {
        double term = x, sum = x;
        for (int n = 1; n < 100; n++)
        {
            term *= -x * x / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
        }
        return sum * 2 / Math.Sqrt(Math.PI);
    }

    /// <summary>Exact GELU: x · Φ(x) with Φ(x) = erfc(-x/√2)/2 (erfc keeps the left tail exact).</summary>
    public static double Gelu(double x) => 0.5 * x * Erfc(-x / Math.Sqrt(2));

    /// <summary>gelu'(x) = Φ(x) + x · φ(x), φ the standard normal density.</summary>
    public static double GeluDerivative(double x) => 0.5 * Erfc(-x / Math.Sqrt(2)) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    /// <summary><see cref="Gelu(double)"/> of each element. x [n]; returns [n].</summary>
    public static double[] Gelu(double[] x) => x.Select(Gelu).ToArray();

    /// <summary>tanh of each element. x [n]; returns [n].</summary>
    public static double[] Tanh(double[] x) => x.Select(Math.Tanh).ToArray();

    /// <summary>alpha·a + beta·b, element-wise. a, b [n]; returns [n].</summary>
    public static double[] Add(double[] a, double[] b, double alpha = 1, double beta = 1) =>
        a.Select((v, i) => alpha * v + beta * b[i]).ToArray();

    /// <summary>a ⊙ b. a, b [n]; returns [n].</summary>
    public static double[] Mul(double[] a, double[] b) => a.Select((v, i) => v * b[i]).ToArray();

    /// <summary>alpha · x. x [n]; returns [n].</summary>
    public static double[] Scale(double[] x, double alpha) => x.Select(v => alpha * v).ToArray();

    /// <summary>Dropout with the counter RNG: element i kept when Uniform(seed, offset+i) ≥ p, scaled by 1/(1-p). x [n]; returns [n].</summary>
    public static double[] Dropout(double[] x, Dropout d) =>
        x.Select((v, i) => CounterRng.Keep(d.P, d.Seed, d.Offset + (ulong)i) ? v / (1 - (double)d.P) : 0).ToArray();

    /// <inheritdoc/>
    public void Gelu(Tensor x, Tensor y)
    {
        ElementwiseShape.Gelu(x, y);
        Write(Gelu(Read(x)), y);
    }

    /// <inheritdoc/>
    public void GeluBackward(Tensor x, Tensor dy, Tensor dx)
    {
        ElementwiseShape.GeluBackward(x, dy, dx);
        AddTo(Mul(Read(x).Select(GeluDerivative).ToArray(), Read(dy)), dx);
    }

    /// <inheritdoc/>
    public void Tanh(Tensor x, Tensor y)
    {
        ElementwiseShape.Tanh(x, y);
        Write(Tanh(Read(x)), y);
    }

    /// <inheritdoc/>
    public void TanhBackward(Tensor y, Tensor dy, Tensor dx)
    {
        ElementwiseShape.TanhBackward(y, dy, dx);
        AddTo(Mul(Read(y).Select(v => 1 - v * v).ToArray(), Read(dy)), dx);
    }

    /// <inheritdoc/>
    public void Add(Tensor a, Tensor b, Tensor y, float alpha = 1f, float beta = 1f)
    {
        ElementwiseShape.Add(a, b, y);
        Write(Add(Read(a), Read(b), alpha, beta), y);
    }

    /// <inheritdoc/>
    public void Mul(Tensor a, Tensor b, Tensor y)
    {
        ElementwiseShape.Mul(a, b, y);
        Write(Mul(Read(a), Read(b)), y);
    }

    /// <inheritdoc/>
    public void Scale(Tensor x, float alpha, Tensor y)
    {
        ElementwiseShape.Scale(x, y);
        Write(Scale(Read(x), alpha), y);
    }

    /// <inheritdoc/>
    public void AddInto(Tensor dy, Tensor dx, float alpha = 1f)
    {
        ElementwiseShape.AddInto(dy, dx);
        AddTo(Scale(Read(dy), alpha), dx);
    }

    /// <inheritdoc/>
    public void MulAddInto(Tensor dy, Tensor other, Tensor dx)
    {
        ElementwiseShape.MulAddInto(dy, other, dx);
        AddTo(Mul(Read(dy), Read(other)), dx);
    }

    /// <inheritdoc/>
    // dScalar [1]; dx any shape
    public void AddScalarInto(Tensor dScalar, Tensor dx, float alpha)
    {
        var s = ElementwiseShape.AddScalarInto(dScalar, dx);
        AddTo(Enumerable.Repeat((double)alpha * dScalar.Span[0], checked((int)s.Count)).ToArray(), dx);
    }

    /// <inheritdoc/>
    public void Dropout(Tensor x, Dropout dropout, Tensor y)
    {
        ElementwiseShape.Dropout(x, dropout, y);
        Write(Dropout(Read(x), dropout), y);
    }

    /// <inheritdoc/>
    public void DropoutBackward(Tensor dy, Dropout dropout, Tensor dx)
    {
        ElementwiseShape.DropoutBackward(dy, dropout, dx);
        AddTo(Dropout(Read(dy), dropout), dx);
    }
}
