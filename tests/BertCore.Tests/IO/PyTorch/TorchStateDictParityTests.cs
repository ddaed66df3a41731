using BertCore.IO;
using BertCore.IO.PyTorch;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.IO.PyTorch;

/// <summary>
/// The pytorch_model.bin files Debian's PyTorch wrote (tools/reference/make_torch_bin_fixture.py: fp32, fp16 and
/// bf16, with tied tensors sharing a storage, query/key/value views at offsets into one storage, transposed and
/// every-other-column views, and HF's int64 position_ids) read bit-exact to the values torch.load returned, which
/// the script saved as float32 safetensors. Bit-exact is the bar: fp16 and bf16 widen to fp32 without rounding.
/// bf16_protocol4.bin is the bf16 state dict pickled with protocol 4 (FRAME, STACK_GLOBAL, MEMOIZE opcodes).
/// </summary>
public class TorchStateDictParityTests
{
    /// <summary>(checkpoint, expected values, stored dtype)</summary>
    public static TheoryData<string, string, string> Variants => new()
    {
        { "fp32/pytorch_model.bin", "fp32.safetensors", "F32" },
        { "fp16/pytorch_model.bin", "fp16.safetensors", "F16" },
        { "bf16/pytorch_model.bin", "bf16.safetensors", "BF16" },
        { "bf16_protocol4.bin", "bf16.safetensors", "BF16" },
    };

    private static int[] Bits(IWeightFile file, string name)
    {
        using var t = file.Read(name);
        return t.DType == BertCore.Tensors.DType.F32 ? Array.ConvertAll(t.ToArray(), BitConverter.SingleToInt32Bits) : t.ToIntArray();
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_tensor_equals_what_torch_load_returned(string checkpoint, string values, string stored)
    {
        using var expected = SafeTensorsFile.Open(Fixtures.Path("torch", values));
        using var file = WeightFile.Open(Fixtures.Path(["torch", .. checkpoint.Split('/')]));
        Assert.IsType<TorchStateDict>(file);
        Assert.Equal(expected.Names.Order(), file.Names.Order());
        Assert.Equal(49, file.Names.Count);
        foreach (var name in file.Names)
        {
            var info = file.Info(name);
            Assert.Equal(expected.Info(name).Shape, info.Shape);
            Assert.Equal(name == "bert.embeddings.position_ids" ? "I64" : stored, info.DType);
        }
        var differing = file.Names.Where(name => !Bits(expected, name).SequenceEqual(Bits(file, name))).ToArray();
        Assert.Empty(differing);
    }

    [Fact]
    public void Names_keep_the_state_dict_order()
    {
        using var file = TorchStateDict.Open(Fixtures.Path("torch", "fp32", "pytorch_model.bin"));
        Assert.Equal(["bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight"], file.Names.Take(2));
        Assert.Equal("cls.seq_relationship.bias", file.Names[^1]);
    }
}
