using BertCore.IO;
using BertCore.IO.PyTorch;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.IO.PyTorch;

/// <summary>
/// Archives written by tools/reference/make_torch_bin_fixture.py that must be refused: each is refused at Open with
/// an InvalidFileException that names the file and the reason. The three code-running payloads were seen to
/// create their marker file under torch.load when the script wrote them; here the marker stays absent.
/// </summary>
public class HostileCheckpointTests
{
    private static string Hostile(string file) => Fixtures.Path("torch", "hostile", file);

    private static InvalidFileException Refused(string path, params string[] reason)
    {
        var e = Assert.Throws<InvalidFileException>(() => TorchStateDict.Open(path).Dispose());
        Assert.Equal(path, e.Path);
        Assert.StartsWith(path + ": ", e.Message);
        foreach (var part in reason) Assert.Contains(part, e.Message);
        return e;
    }

    [Theory]
    [InlineData("os_system", "GLOBAL os.system is not allowed")]
    [InlineData("builtins_eval", "GLOBAL builtins.eval is not allowed")]
    [InlineData("subprocess_popen", "GLOBAL subprocess.Popen is not allowed")]
    public void A_code_running_global_is_refused_and_runs_nothing(string name, string reason)
    {
        string marker = $"/tmp/bertcore-torch-marker-{name}";   // the payload's target (see the script)
        File.Delete(marker);
        Refused(Hostile(name + ".bin"), $"{name}/data.pkl, byte ", reason, "refused without running it");
        Assert.False(File.Exists(marker), $"{marker} exists: the payload ran");
    }

    [Fact]
    public void A_reduce_of_a_callable_a_state_dict_does_not_call_is_refused() =>
        Refused(Hostile("unknown_reduce.bin"), "unknown_reduce/data.pkl, byte ", "REDUCE of torch.FloatStorage: not a callable a state dict needs");

    [Fact]
    public void A_view_beyond_its_storage_is_refused() =>
        Refused(Hostile("offset_beyond_record.bin"), "tensor 'x'", "offset 10, shape [4], stride [1]", "reaches element 13 of storage '0', which has 12");

    [Fact]
    public void A_storage_larger_than_its_record_is_refused() =>
        Refused(Hostile("size_beyond_record.bin"), "tensor 'x'", "storage '0' claims 1000 F32 elements", "record 'size_beyond_record/data/0' holds 48 bytes");

    [Fact]
    public void A_shape_whose_element_count_overflows_is_refused() =>
        Refused(Hostile("shape_overflow.bin"), "tensor 'x'", "overflows 64 bits", "shape [4611686018427387904, 4611686018427387904]");

    [Fact]
    public void A_truncated_archive_is_refused() =>
        Refused(Hostile("truncated.bin"), "truncated or damaged zip archive");

    [Fact]
    public void An_archive_without_data_pkl_is_refused() =>
        Refused(Hostile("no_data_pkl.bin"), "not a PyTorch checkpoint", "no '<name>/data.pkl' record", "'no_data_pkl/data/0'");

    [Fact]
    public void A_zip_that_is_not_a_pytorch_archive_is_refused() =>
        Refused(Hostile("not_torch.zip"), "is a zip archive but not a PyTorch checkpoint", "'notes/readme.txt'");

    [Fact]
    public void The_legacy_format_is_refused_with_what_to_do() =>
        Refused(Hostile("legacy.bin"), "legacy format", "torch.save in PyTorch 1.6 or later");
}
