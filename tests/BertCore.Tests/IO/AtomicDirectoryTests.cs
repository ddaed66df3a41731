using BertCore.IO;
using Xunit;

namespace BertCore.Tests.IO;

/// <summary><see cref="AtomicDirectory"/> without a real disk to fill (the tmpfs tests in DiskFullTests skip where
/// mount is refused): a fill that fails as a full disk fails — an IOException midway through a file — leaves the
/// previous folder as it was and no temporary folder, and the error names the folder and the cause.</summary>
public class AtomicDirectoryTests
{
    [Fact]
    public void Replaces_a_folder_leaving_no_temporary_one()
    {
        using var root = new TempFolder();
        string path = root.File("checkpoint-1");
        AtomicDirectory.Write(path, dir => File.WriteAllText(Path.Combine(dir, "a.txt"), "old"));
        AtomicDirectory.Write(path, dir => File.WriteAllText(Path.Combine(dir, "b.txt"), "new"));
        Assert.Equal([path], Directory.GetDirectories(root.Root));
        Assert.Equal([Path.Combine(path, "b.txt")], Directory.GetFiles(path));
    }

    [Fact]
    public void A_fill_failing_like_a_full_disk_keeps_the_previous_folder_and_names_the_folder_and_the_cause()
    {
        using var root = new TempFolder();
        string path = root.File("checkpoint-2");
        AtomicDirectory.Write(path, dir => File.WriteAllText(Path.Combine(dir, "model.safetensors"), "previous"));
        string? temporary = null;

        var error = Assert.Throws<IOException>(() => AtomicDirectory.Write(path, dir =>
        {
            temporary = dir;
            AtomicFile.Write(Path.Combine(dir, "model.safetensors"), stream =>
            {
                stream.Write(new byte[100_000]);
                throw new IOException("No space left on device : '" + Path.Combine(dir, "model.safetensors") + "'");
            });
        }));

        Assert.StartsWith($"could not write {path}: No space left on device", error.Message);
        Assert.IsType<IOException>(error.InnerException);
        Assert.False(Directory.Exists(temporary));
        Assert.Equal([path], Directory.GetDirectories(root.Root));
        Assert.Equal("previous", File.ReadAllText(Path.Combine(path, "model.safetensors")));
    }
}
