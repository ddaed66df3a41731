using BertCore.Tensors;

namespace BertCore.Autograd;

/// <summary>A named, persistent tensor that the optimizer updates, with its gradient buffer of the same shape.
/// Names follow Hugging Face (e.g. <c>bert.encoder.layer.0.attention.self.query.weight</c>). The gradient
/// buffer is allocated on first use, so a model loaded for inference holds only its values.</summary>
public sealed class Parameter : IDisposable, IGradientOwner
{
    private Tensor? _grad;

    public Parameter(string name, Tensor value, bool trainable = true)
    {
        Name = name;
        Value = value;
        Value.Owner = this;
        Trainable = trainable;
    }

    public string Name { get; }
    public Tensor Value { get; private set; }

    /// <summary>The accumulated gradient (zeros until a backward pass reaches this parameter).</summary>
    public Tensor Grad => _grad ??= Tensor.Zeros(Value.Shape);

    public Shape Shape => Value.Shape;

    /// <summary>Frozen parameters (Trainable = false) get no gradient and are skipped by the optimizer.</summary>
    public bool Trainable
    {
        get => Value.RequiresGrad;
        set
        {
            if (value && Value.IsConstant) throw new InvalidOperationException($"parameter {Name} is constant (a model loaded for inference) and cannot be trained");
            Value.RequiresGrad = value;
            if (!value) Value.Grad = null;
        }
    }

    /// <summary>Moves value and gradient to other storage (e.g. the GPU), keeping the trainable flag.</summary>
    public void Replace(Tensor value, Tensor grad)
    {
        if (value.Shape != Value.Shape || grad.Shape != Value.Shape)
            throw new ArgumentException($"parameter {Name}: replacement shape differs from {Value.Shape}");
        bool trainable = Trainable;
        Value.Dispose();
        _grad?.Dispose();
        Value = value;
        Value.Owner = this;
        _grad = grad;
        Trainable = trainable;
    }

    public override string ToString() => $"{Name} {Shape}";

    public void Dispose()
    {
        Value.Dispose();
        _grad?.Dispose();
    }
}
