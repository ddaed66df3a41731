using BertCore.IO;
using BertCore.IO.PyTorch;
using Xunit;
using static BertCore.Tests.IO.PyTorch.TorchArchiveBuilder;

namespace BertCore.Tests.IO.PyTorch;

/// <summary>
/// Hand-made checkpoints (<see cref="TorchArchiveBuilder"/>) for what the PyTorch-written fixtures do not cover:
/// opcodes and globals outside the allow-list, malformed pickles, views a reader must not trust, and archive
/// properties torch.save never produces. Each is refused with an InvalidFileException naming the file and the cause.
/// </summary>
public class CraftedCheckpointTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly byte[] Twelve = Floats(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);

    private string Archive(byte[] pickle, byte[]? storage = null, bool compressStorage = false, string? byteOrder = null) =>
        Write(_folder.File("model.bin"), pickle, storage ?? Twelve, compressStorage, byteOrder);

    private static void Refused(string path, params string[] reason)
    {
        var e = Assert.Throws<InvalidFileException>(() => TorchStateDict.Open(path).Dispose());
        Assert.StartsWith(path + ": ", e.Message);
        foreach (var part in reason) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void A_strided_view_at_an_offset_reads_the_elements_it_views()
    {
        // storage 0..11; view offset 1, shape [2, 3], stride [4, 2] -> rows (1, 3, 5) and (5, 7, 9)
        var path = Archive(StateDict(("v", Tensor("FloatStorage", 12, 1, [2, 3], [4, 2]))));
        using var file = TorchStateDict.Open(path);
        using var v = file.Read("v");
        Assert.Equal([2, 3], file.Info("v").Shape);
        Assert.Equal([1f, 3, 5, 5, 7, 9], v.ToArray());
    }

    [Theory]
    [InlineData((byte)'i', "opcode INST is not one a state dict needs")]
    [InlineData((byte)0x81, "opcode NEWOBJ is not one a state dict needs")]
    [InlineData((byte)']', "opcode EMPTY_LIST is not one a state dict needs")]
    [InlineData((byte)0xff, "0xff is not a pickle opcode")]
    public void An_opcode_outside_the_allow_list_is_refused_by_name(byte opcode, string reason) =>
        Refused(Archive([0x80, 2, opcode, (byte)'.']), "model/data.pkl, byte 2: " + reason);

    [Fact]
    public void A_storage_type_bertcore_does_not_read_is_refused() =>
        Refused(Archive(StateDict(("d", Tensor("DoubleStorage", 6, 0, [6], [1])))), "GLOBAL torch.DoubleStorage: a storage type BertCore does not read");

    [Fact]
    public void A_pickle_that_ends_early_is_refused()
    {
        var pickle = StateDict(("w", Tensor("FloatStorage", 12, 0, [12], [1])));
        Refused(Archive(pickle[..^3]), "the pickle ends");
    }

    [Fact]
    public void A_memo_entry_never_stored_is_refused() =>
        Refused(Archive([0x80, 2, (byte)'h', 7, (byte)'.']), "byte 2: memo entry 7 was never stored");

    [Fact]
    public void A_pickle_that_is_not_a_dict_is_refused() =>
        Refused(Archive([0x80, 2, (byte)')', (byte)'.']), "'model/data.pkl' holds a tuple of 0, not a state dict");

    [Fact]
    public void A_value_that_is_not_a_tensor_is_refused() =>
        Refused(Archive(StateDict(("x", Int(5)))), "state dict entry 'x' is 5, not a tensor");

    [Fact]
    public void A_negative_offset_is_refused() =>
        Refused(Archive(StateDict(("x", Tensor("FloatStorage", 12, -1, [2], [1])))), "tensor 'x': a negative offset");

    [Fact]
    public void A_view_with_more_elements_than_its_storage_is_refused() =>
        Refused(Archive(StateDict(("x", Tensor("FloatStorage", 12, 0, [4, 12], [0, 1])))), "tensor 'x'", "more elements than its storage (12)");

    [Fact]
    public void Two_tensors_disagreeing_about_a_storage_are_refused() =>
        Refused(Archive(StateDict(("a", Tensor("FloatStorage", 12, 0, [12], [1])), ("b", Tensor("IntStorage", 12, 0, [12], [1])))),
            "tensor 'b': storage '0' is 12 I32 elements here but 12 F32 elements for an earlier tensor");

    [Fact]
    public void A_compressed_storage_record_is_refused() =>
        Refused(Archive(StateDict(("x", Tensor("FloatStorage", 12, 0, [12], [1]))), new byte[48], compressStorage: true),
            "record 'model/data/0' is compressed");

    [Fact]
    public void A_big_endian_archive_is_refused() =>
        Refused(Archive(StateDict(("x", Tensor("FloatStorage", 12, 0, [12], [1]))), byteOrder: "big"), "the byte order is 'big'");

    [Fact]
    public void An_int64_beyond_int32_fails_on_read_naming_the_element()
    {
        var path = Archive(StateDict(("ids", Tensor("LongStorage", 3, 0, [3], [1]))), Longs(7, 1L << 40, 9));
        using var file = TorchStateDict.Open(path);
        Assert.Equal("I64", file.Info("ids").DType);
        var e = Assert.Throws<InvalidFileException>(() => file.Read("ids").Dispose());
        Assert.Equal(path + ": tensor 'ids': element 1 is 1099511627776, outside the int32 range BertCore loads I64 into", e.Message);
    }
}
