using BertCore.IO;
using BertCore.Tensors;
using BertCore.Tests.IO;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

public class PreMaskedBatchFileTests
{
    [Fact]
    public void Written_batches_read_back_in_order_repeat_and_seek()
    {
        using var folder = new TempFolder();
        var source = TinyPretraining.Source(4);
        var batches = Enumerable.Range(0, 3).Select(_ => source.Next()).ToArray();
        var path = folder.File("stream.safetensors");
        PreMaskedBatchFile.Write(path, batches);

        var file = PreMaskedBatchFile.Open(path, TinyPretraining.Vocab);
        Assert.Equal((3, TinyPretraining.Batch, TinyPretraining.Sequence, true), (file.Count, file.BatchSize, file.SequenceLength, file.HasRelationLabels));
        for (int i = 0; i < 5; i++)
        {
            var got = file.Next();
            var want = batches[i % 3];
            Assert.Equal(want.Inputs.InputIds, got.Inputs.InputIds);
            Assert.Equal(want.Inputs.TokenTypeIds, got.Inputs.TokenTypeIds);
            Assert.Equal(want.Inputs.AttentionMask, got.Inputs.AttentionMask);
            Assert.Equal(want.MlmLabels, got.MlmLabels);
            Assert.Equal(want.RelationLabels, got.RelationLabels);
        }
        Assert.Equal(5, file.Position["batch"]);
        file.Seek(new Dictionary<string, long> { ["batch"] = 4 });
        Assert.Equal(batches[1].MlmLabels, file.Next().MlmLabels);
        Assert.Throws<ArgumentException>(() => file.Seek(new Dictionary<string, long> { ["next"] = 1 }));
    }

    [Fact]
    public void Invalid_streams_are_reported_with_the_file_and_the_problem()
    {
        using var folder = new TempFolder();
        var path = folder.File("stream.safetensors");
        PreMaskedBatchFile.Write(path, [TinyPretraining.Source(4, relationLabels: false).Next()]);
        Assert.False(PreMaskedBatchFile.Open(path).HasRelationLabels);
        var e = Assert.Throws<InvalidFileException>(() => PreMaskedBatchFile.Open(path, vocabSize: 10));
        Assert.Equal(path, e.Path);
        Assert.Contains("'input_ids' element", e.Message);

        int n = TinyPretraining.Batch * TinyPretraining.Sequence;
        void Write(string name, int[] values, params int[] dims)
        {
            var tensors = new Dictionary<string, Tensor>
            {
                ["input_ids"] = Tensor.FromArray(new int[n], 1, TinyPretraining.Batch, TinyPretraining.Sequence),
                ["token_type_ids"] = Tensor.FromArray(new int[n], 1, TinyPretraining.Batch, TinyPretraining.Sequence),
                ["attention_mask"] = Tensor.FromArray(new int[n], 1, TinyPretraining.Batch, TinyPretraining.Sequence),
                ["mlm_labels"] = Tensor.FromArray(Enumerable.Repeat(-100, n).ToArray(), 1, TinyPretraining.Batch, TinyPretraining.Sequence),
            };
            tensors[name] = Tensor.FromArray(values, dims);
            SafeTensorsWriter.Write(path, tensors);
        }
        Write("attention_mask", Enumerable.Repeat(2, n).ToArray(), 1, TinyPretraining.Batch, TinyPretraining.Sequence);
        Assert.Contains("'attention_mask' element 0 is 2", Assert.Throws<InvalidFileException>(() => PreMaskedBatchFile.Open(path)).Message);
        Write("mlm_labels", new int[n], n);
        Assert.Contains("'mlm_labels' is missing or not [1, 4, 16]", Assert.Throws<InvalidFileException>(() => PreMaskedBatchFile.Open(path)).Message);
        Write("nsp_labels", [0, 1], 2);
        Assert.Contains("'nsp_labels' is not [1, 4]", Assert.Throws<InvalidFileException>(() => PreMaskedBatchFile.Open(path)).Message);
    }

    /// <summary>
    /// The minimized fuzz case (tests/BertCore.Tests/Fuzzing, a dtype swapped in the header): a U32 tensor, which
    /// SafeTensorsFile cannot load, threw NotSupportedException out of Open.
    /// </summary>
    [Fact]
    public void A_tensor_stored_as_an_unloadable_integer_type_is_an_invalid_file()
    {
        using var folder = new TempFolder();
        var path = folder.File("stream.safetensors");
        PreMaskedBatchFile.Write(path, [TinyPretraining.Source(4, relationLabels: false).Next()]);
        byte[] bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf("\"token_type_ids\":{\"dtype\":\"I32\""u8);
        Assert.True(at >= 0);
        bytes[at + "\"token_type_ids\":{\"dtype\":\""u8.Length] = (byte)'U';
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidFileException>(() => PreMaskedBatchFile.Open(path));

        Assert.Equal(path + ": 'token_type_ids' is U32, expected I32 or I64", e.Message);
    }
}
