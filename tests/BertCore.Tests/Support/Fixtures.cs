using BertCore.IO;

namespace BertCore.Tests.Support;

/// <summary>The PyTorch-written fixtures of tools/reference/fixtures, copied next to the test assembly.</summary>
internal static class Fixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "fixtures", .. parts]);

    public static float[] Floats(this SafeTensorsFile file, string name)
    {
        using var t = file.Read(name);
        return t.ToArray();
    }

    public static int[] Ints(this SafeTensorsFile file, string name)
    {
        using var t = file.Read(name);
        return t.ToIntArray();
    }
}
