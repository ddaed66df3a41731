using BertCore.IO;
using BertCore.IO.Onnx;
using Google.Protobuf;
using Onnx;
using Xunit;

namespace BertCore.Tests.IO.Onnx;

/// <summary>
/// TensorProto decoding: the same values stored as raw_data (little-endian bytes) and in the typed repeated fields
/// (float_data, int64_data, int32_data) decode alike; external data and a value count that does not fit the shape
/// are refused naming the file and the tensor. (The real models and the torch exports store raw_data only.)
/// </summary>
public class OnnxTensorsTests
{
    private const string Path = "model.onnx";
    private static readonly float[] Values = [1.5f, -2.25f, 3e-7f, 65504f, -0f, 7f];

    private static TensorProto Tensor(TensorProto.Types.DataType type, params long[] dims)
    {
        var t = new TensorProto { Name = "w", DataType = (int)type };
        t.Dims.Add(dims);
        return t;
    }

    [Fact]
    public void Raw_data_and_float_data_decode_alike()
    {
        var raw = Tensor(TensorProto.Types.DataType.Float, 2, 3);
        raw.RawData = ByteString.CopyFrom(Values.SelectMany(BitConverter.GetBytes).ToArray());
        var typed = Tensor(TensorProto.Types.DataType.Float, 2, 3);
        typed.FloatData.Add(Values);

        Assert.Equal(Values, OnnxTensors.Floats(raw, Path));
        Assert.Equal(Values, OnnxTensors.Floats(typed, Path));
        Assert.Equal([2, 3], OnnxTensors.Shape(raw, Path));
    }

    [Fact]
    public void Integers_decode_from_int64_and_int32_in_either_storage()
    {
        long[] expected = [0, 0, 12, 32];
        var raw64 = Tensor(TensorProto.Types.DataType.Int64, 4);
        raw64.RawData = ByteString.CopyFrom(expected.SelectMany(BitConverter.GetBytes).ToArray());
        var typed64 = Tensor(TensorProto.Types.DataType.Int64, 4);
        typed64.Int64Data.Add(expected);
        var raw32 = Tensor(TensorProto.Types.DataType.Int32, 4);
        raw32.RawData = ByteString.CopyFrom(expected.SelectMany(v => BitConverter.GetBytes((int)v)).ToArray());
        var typed32 = Tensor(TensorProto.Types.DataType.Int32, 4);
        typed32.Int32Data.Add(expected.Select(v => (int)v));

        foreach (var t in new[] { raw64, typed64, raw32, typed32 })
            Assert.Equal(expected, OnnxTensors.Integers(t, Path));
    }

    [Fact]
    public void External_data_is_refused()
    {
        var t = Tensor(TensorProto.Types.DataType.Float, 2, 3);
        t.DataLocation = TensorProto.Types.DataLocation.External;
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });

        var e = Assert.Throws<InvalidFileException>(() => OnnxTensors.Floats(t, Path));
        Assert.StartsWith("model.onnx: tensor 'w' is stored in an external data file", e.Message);
    }

    [Fact]
    public void A_value_count_that_does_not_fit_the_shape_is_refused()
    {
        var raw = Tensor(TensorProto.Types.DataType.Float, 2, 3);
        raw.RawData = ByteString.CopyFrom(new byte[20]);
        var typed = Tensor(TensorProto.Types.DataType.Float, 2, 3);
        typed.FloatData.Add(Values[..5]);

        Assert.Equal("model.onnx: tensor 'w' has 20 bytes of raw data; its shape [2, 3] needs 24",
            Assert.Throws<InvalidFileException>(() => OnnxTensors.Floats(raw, Path)).Message);
        Assert.Equal("model.onnx: tensor 'w' holds 5 values; its shape [2, 3] needs 6",
            Assert.Throws<InvalidFileException>(() => OnnxTensors.Floats(typed, Path)).Message);
    }

    [Fact]
    public void A_tensor_of_another_type_is_refused()
    {
        var t = Tensor(TensorProto.Types.DataType.Float16, 2);
        var e = Assert.Throws<InvalidFileException>(() => OnnxTensors.Floats(t, Path));
        Assert.Equal("model.onnx: tensor 'w' has data type FLOAT16, expected FLOAT", e.Message);
    }
}
