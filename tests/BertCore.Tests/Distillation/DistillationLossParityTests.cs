using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Tensors;
using BertCore.Tests.Support;
using BertCore.Training.Distillation;
using Xunit;

namespace BertCore.Tests.Distillation;

/// <summary>
/// Each distillation loss term, value and gradients, against tools/reference/make_distill_fixture.py (PyTorch
/// autograd in float64, stored as F32). Tolerance 1e-4 relative to the largest magnitude, as the model parity
/// tests: the C# side computes the losses in double from fp32 inputs, so the error is the fp32 rounding of the
/// stored values and of the arena gradients (≈1e-6), well inside it.
/// </summary>
public sealed class DistillationLossParityTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly SafeTensorsFile _io = SafeTensorsFile.Open(Fixtures.Path("distill", "losses.safetensors"));
    private readonly Graph _g = new(new CpuBackend(1));

    /// <summary>A leaf tensor from the fixture that collects its gradient.</summary>
    private Tensor Leaf(string name)
    {
        var info = _io.Info(name);
        var t = Tensor.FromArray(_io.Floats(name), info.Shape.Select(d => (int)d).ToArray());
        t.RequiresGrad = true;
        t.Grad = Tensor.Zeros(t.Shape);
        return t;
    }

    private void CheckLoss(Tensor loss, string name) =>
        Close.RelativeToMax(loss.Span, _io.Floats(name).ToDouble(), Tolerance, name);

    private void CheckGrad(Tensor leaf, string name) =>
        Close.RelativeToMax(leaf.Grad!.Span, _io.Floats("grad." + name).ToDouble(), Tolerance, "grad." + name);

    [Fact]
    public void Logit_kd_with_temperature_mixed_with_cross_entropy_matches_pytorch()
    {
        var s = Leaf("kd.student");
        var kd = DistillationLosses.SoftTargets(_g, s, _io.Floats("kd.teacher"), 2.5f);
        CheckLoss(kd, "kd.term");
        var ce = _g.CrossEntropy(s, _g.Input(_io.Ints("kd.labels"), 5));
        var loss = DistillationLosses.Mix(_g, kd, ce, 0.7f);
        CheckLoss(loss, "kd.loss");
        _g.Backward(loss);
        CheckGrad(s, "kd.student");
    }

    [Fact]
    public void Logit_kd_alone_on_wide_rows_matches_pytorch()
    {
        var s = Leaf("kdv.student");
        var loss = DistillationLosses.SoftTargets(_g, s, _io.Floats("kdv.teacher"), 1f);
        CheckLoss(loss, "kdv.loss");
        _g.Backward(loss);
        CheckGrad(s, "kdv.student");
    }

    [Fact]
    public void Regression_mse_to_the_teacher_mixed_with_the_labels_matches_pytorch()
    {
        var s = Leaf("reg.student");
        var kd = DistillationLosses.RegressionMse(_g, s, _io.Floats("reg.teacher"));
        var labels = DistillationLosses.RegressionMse(_g, s, _io.Floats("reg.targets"));
        var loss = DistillationLosses.Mix(_g, kd, labels, 0.6f);
        CheckLoss(loss, "reg.loss");
        _g.Backward(loss);
        CheckGrad(s, "reg.student");
    }

    [Fact]
    public void Hidden_mse_through_a_projection_over_real_tokens_matches_pytorch()
    {
        var s = Leaf("hid.student");
        using var projection = new Linear("projection", 6, 8);
        _io.Floats("hid.weight").CopyTo(projection.Weight.Value.Span);
        _io.Floats("hid.bias").CopyTo(projection.Bias!.Value.Span);
        using var teacher = Tensor.FromArray(_io.Floats("hid.teacher"), 2, 5, 8);
        var rows = DistillationLosses.RealTokenRows(_io.Ints("hid.mask"));
        var loss = DistillationLosses.HiddenMse(_g, s, teacher, projection, rows);
        CheckLoss(loss, "hid.loss");
        _g.Backward(loss);
        CheckGrad(s, "hid.student");
        Close.RelativeToMax(projection.Weight.Grad.Span, _io.Floats("grad.hid.weight").ToDouble(), Tolerance, "grad.hid.weight");
        Close.RelativeToMax(projection.Bias.Grad.Span, _io.Floats("grad.hid.bias").ToDouble(), Tolerance, "grad.hid.bias");
    }

    [Fact]
    public void Attention_kl_per_head_from_queries_and_keys_matches_pytorch()
    {
        var q = Leaf("att.student_query");
        var k = Leaf("att.student_key");
        using var qt = Tensor.FromArray(_io.Floats("att.teacher_query"), 2, 5, 8);
        using var kt = Tensor.FromArray(_io.Floats("att.teacher_key"), 2, 5, 8);
        var loss = _g.AttentionKl(q, k, qt, kt, _io.Ints("att.mask"), heads: 2);
        CheckLoss(loss, "att.loss");
        _g.Backward(loss);
        CheckGrad(q, "att.student_query");
        CheckGrad(k, "att.student_key");
    }

    public void Dispose()
    {
        _g.Dispose();
        _io.Dispose();
    }
}
