using BertCore.IO.PyTorch;

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
}
