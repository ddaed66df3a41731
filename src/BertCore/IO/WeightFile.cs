using BertCore.IO.PyTorch;
using BertCore.Tensors;

namespace BertCore.IO;

/// <summary>Opens a weights file in whichever format it is written: safetensors, or a PyTorch checkpoint
/// (<c>torch.save</c>'s zip archive; the legacy pickle format is refused with a message saying so).</summary>
public static class WeightFile
{
    /// <summary>
    /// Opens <paramref name="path"/>: a name ending in ".safetensors" is read as safetensors; otherwise a file
    /// that starts like a zip archive or a pickle is read as a PyTorch checkpoint, and any other as safetensors.
    /// </summary>
    /// <exception cref="InvalidFileException">The file is not valid in its format; the message names the file and says why.</exception>
    public static IWeightFile Open(string path)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || !TorchArchive.LooksLikePyTorch(path))
            return SafeTensorsFile.Open(path);
        return TorchStateDict.Open(path);
    }

    /// <summary>
    /// The <see cref="IWeightFile.Read"/> of every format: a new CPU tensor of <paramref name="shape"/> and of the
    /// type the stored one loads as (<paramref name="loadType"/>, asked after the rank is checked), filled by
    /// <paramref name="readInto"/>, and freed again when that throws.
    /// </summary>
    /// <exception cref="NotSupportedException">The rank is above <see cref="Shape.MaxRank"/>, or the dtype cannot load.</exception>
    internal static Tensor ReadNew(string path, string name, int[] shape, Func<DType> loadType, Action<Tensor> readInto)
    {
        if (shape.Length > Shape.MaxRank)
            throw new NotSupportedException(
                $"{path}: tensor '{name}' has rank {shape.Length}; BertCore tensors have at most {Shape.MaxRank} dimensions");
        var dtype = loadType();
        var s = new Shape(shape);
        var tensor = new Tensor(new CpuStorage(s.Count * dtype.Size(), zero: false), 0, s, dtype, ownsStorage: true);
        try
        {
            readInto(tensor);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }
}
