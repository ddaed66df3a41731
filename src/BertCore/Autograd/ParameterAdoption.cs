using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Autograd;

/// <summary>Moving parameters into a backend's memory, through <see cref="IBackend.Adopt"/> on their tensors.</summary>
public static class ParameterAdoption
{
    /// <summary>Moves each parameter's value and gradient into <paramref name="backend"/>'s memory unless they are there already
    /// (gradients keep their values: zeros for a model not yet trained), keeping trainable flags.</summary>
    public static void Adopt(this IBackend backend, IEnumerable<Parameter> parameters)
    {
        var tensors = new List<Tensor>();
        foreach (var p in parameters.Distinct())
        {
            tensors.Add(p.Value);
            tensors.Add(p.Grad);
        }
        backend.Adopt(tensors);
    }
}
