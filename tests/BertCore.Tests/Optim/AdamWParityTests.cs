using System.Text.Json;
using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Optim;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Optim;

/// <summary>
/// 10 steps of AdamW with two parameter groups, linear warmup + decay and global-norm clipping against
/// torch.optim.AdamW (tools/reference/make_adamw_fixture.py): each step's loss, gradient norm, learning rate, the
/// clipped gradients the optimizer consumed, and the parameters after the step.
/// </summary>
public class AdamWParityTests
{
    /// <summary>The fixture's float32 values carry ~1e-7 relative rounding; 1e-6 allows the few ulps by which
    /// our reduction order and fp32 scalar constants differ from torch's.</summary>
    private const double Tolerance = 1e-6;

    [Fact]
    public void Ten_steps_match_torch_adamw_with_schedule_and_clipping()
    {
        using var file = SafeTensorsFile.Open(Fixtures.Path("adamw", "fixture.safetensors"));
        using var json = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("adamw", "steps.json")));
        var root = json.RootElement;
        var backend = new CpuBackend();
        using var g = new Graph(backend);
        using var w = new Parameter("W", Tensor.FromArray(file.Floats("W0"), 5, 7));
        using var b = new Parameter("b", Tensor.FromArray(file.Floats("b0"), 5));
        var x = file.Floats("X");
        var y = file.Floats("Y");
        using var adam = new AdamW(backend, [new ParameterGroup("W", [w], 0.01f, 0.1f), new ParameterGroup("b", [b], 0.01f, 0f)]);
        var schedule = LrSchedule.Linear(3, 10);
        using var clipper = new GradientClipper(backend, [w, b]);
        for (int step = 0; step < 10; step++)
        {
            adam.ZeroGrad();
            var diff = g.Add(g.Linear(g.Input(x, 11, 7), w.Value, b.Value), g.Input(y, 11, 5), 1f, -1f);
            var loss = g.Mean(g.Mul(diff, diff));
            Assert.Equal(root.GetProperty("loss")[step].GetDouble(), loss.Item(), Tolerance);
            g.Backward(loss);
            g.Reset();
            clipper.Compute([w, b], 1.0);
            adam.Step(schedule.Factor(step), clipper.Scale);
            double norm = clipper.ReadNorm();
            Assert.Equal(root.GetProperty("grad_norm")[step].GetDouble(), norm, 1e-6 * norm);
            // AdamW reads the clipping factor instead of scaling the gradients in place: the gradient it consumed is
            // the float32 product torch's clip_grad_norm_ leaves in p.grad.
            float scale = clipper.Scale.Item();
            Assert.Equal(root.GetProperty("clipped")[step].GetBoolean(), scale < 1f);
            Close.RelativeToMax(Clipped(w.Grad.Span, scale), file.Floats($"grad_clipped.W.{step}"), Tolerance, $"clipped W gradient at step {step}");
            Close.RelativeToMax(Clipped(b.Grad.Span, scale), file.Floats($"grad_clipped.b.{step}"), Tolerance, $"clipped b gradient at step {step}");
            Assert.Equal(root.GetProperty("lr")[step].GetDouble(), 0.01 * schedule.Factor(step), 1e-9);
            Close.RelativeToMax(w.Value.Span, file.Floats($"W.{step}"), Tolerance, $"W after step {step}");
            Close.RelativeToMax(b.Value.Span, file.Floats($"b.{step}"), Tolerance, $"b after step {step}");
        }
    }

    private static float[] Clipped(ReadOnlySpan<float> gradient, float scale)
    {
        var clipped = new float[gradient.Length];
        for (int i = 0; i < clipped.Length; i++) clipped[i] = gradient[i] * scale;
        return clipped;
    }
}
