using BertCore.Tests.IO;

namespace BertCore.Tests.Data;

/// <summary>Writes small hand-made task files into a temp folder.</summary>
internal static class TaskFiles
{
    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM, exactly as given) and returns the path.</summary>
    public static string Write(this TempFolder folder, string name, string text)
    {
        string path = folder.File(name);
        File.WriteAllText(path, text, new System.Text.UTF8Encoding(false));
        return path;
    }
}
