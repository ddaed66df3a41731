using BertCore.Tensors;

namespace BertCore.IO;

/// <summary>
/// A weights file read as named tensors, whatever its format: a safetensors file (<see cref="SafeTensorsFile"/>)
/// or a PyTorch state dict (<see cref="PyTorch.TorchStateDict"/>). Open one with <see cref="WeightFile.Open"/>.
/// </summary>
public interface IWeightFile : IDisposable
{
    /// <summary>Tensor names, in the file's order.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>True when the file holds a tensor named <paramref name="name"/>.</summary>
    bool Contains(string name);

    /// <summary>The stored dtype (safetensors naming: "F32", "F16", "BF16", "I64", ...) and shape of tensor
    /// <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    TensorInfo Info(string name);

    /// <summary>A new CPU tensor with the contents of tensor <paramref name="name"/>: F32, F16 and BF16 load as
    /// F32 (exactly); I32 and I64 load as I32 (an I64 value outside the int32 range is an error).</summary>
    /// <exception cref="NotSupportedException">The tensor's dtype or rank is one BertCore cannot load.</exception>
    /// <exception cref="InvalidFileException">The tensor's data cannot be read as the file describes it.</exception>
    Tensor Read(string name);

    /// <summary>Copies tensor <paramref name="name"/> into <paramref name="destination"/>, a tensor (on any device)
    /// of the same shape and of the type <see cref="Read"/> would produce.</summary>
    /// <exception cref="ArgumentException">The destination's type or shape does not fit.</exception>
    /// <exception cref="NotSupportedException">The tensor's dtype is one BertCore cannot load.</exception>
    /// <exception cref="InvalidFileException">The tensor's data cannot be read as the file describes it.</exception>
    void ReadInto(string name, Tensor destination);
}
