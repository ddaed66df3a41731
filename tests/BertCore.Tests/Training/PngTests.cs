using System.Buffers.Binary;
using System.Text;
using BertCore.Tests.IO;
using BertCore.Training;
using BertCore.Training.Plots;
using Xunit;

namespace BertCore.Tests.Training;

public class PngTests
{
    [Fact]
    public void Crc32_gives_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0xCBF43926u, PngFile.BitwiseCrc("123456789"u8));   // the tests' own CRC agrees
        Assert.Equal(Crc32.Compute("123456789"u8), Crc32.Compute("6789"u8, Crc32.Compute("12345"u8)));
    }

    [Fact]
    public void Encoded_image_has_valid_chunks_and_decodes_to_its_pixels()
    {
        var image = new Raster(7, 5, new Rgb(10, 20, 30));
        image.Set(0, 0, new Rgb(255, 0, 0));
        image.Set(6, 4, new Rgb(0, 255, 0));
        image.Line(0, 4, 6, 0, new Rgb(1, 2, 3));
        var png = PngEncoder.Encode(image);

        Assert.Equal(PngFile.Signature, png[..8]);
        var chunks = PngFile.Chunks(png);
        Assert.Equal(["IHDR", "IDAT", "IEND"], chunks.Select(c => c.Type));
        Assert.All(chunks, c => Assert.Equal(c.ComputedCrc, c.StoredCrc));
        var ihdr = chunks[0].Data;
        Assert.Equal(13, ihdr.Length);
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32BigEndian(ihdr));
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32BigEndian(ihdr.AsSpan(4)));
        Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, ihdr[8..]);   // 8-bit RGB, deflate, no filter method, no interlace
        Assert.Empty(chunks[2].Data);

        var raw = PngFile.Inflate(chunks);
        Assert.Equal(5 * (1 + 7 * 3), raw.Length);
        for (int y = 0; y < 5; y++)
        {
            Assert.Equal(0, raw[y * 22]);   // filter type none
            Assert.Equal(image.Pixels.AsSpan(y * 21, 21).ToArray(), raw.AsSpan(y * 22 + 1, 21).ToArray());
        }
        Assert.Equal(new byte[] { 255, 0, 0 }, raw[1..4]);
        Assert.Equal(new Rgb(1, 2, 3), image[3, 2]);   // the line's midpoint
    }

    [Fact]
    public void Loss_plot_draws_both_curves_inside_the_frame()
    {
        using var folder = new TempFolder();
        var rows = Enumerable.Range(1, 50).Select(s => new MetricsRow(s, 6 - Math.Log(s), 1e-4, 1, 1000,
            s % 10 == 0 ? 0.5 : double.NaN, s % 10 == 0 ? Math.Exp(5.5 - Math.Log(s)) : double.NaN)).ToList();
        var path = folder.File("loss.png");
        LossPlot.Write(path, rows);

        var png = File.ReadAllBytes(path);
        var chunks = PngFile.Chunks(png);
        Assert.All(chunks, c => Assert.Equal(c.ComputedCrc, c.StoredCrc));
        int width = (int)BinaryPrimitives.ReadUInt32BigEndian(chunks[0].Data), height = (int)BinaryPrimitives.ReadUInt32BigEndian(chunks[0].Data.AsSpan(4));
        var raw = PngFile.Inflate(chunks);
        Assert.Equal(height * (1 + 3 * width), raw.Length);
        int Count(byte r, byte g, byte b)
        {
            int n = 0;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int i = y * (1 + 3 * width) + 1 + 3 * x;
                    if (raw[i] == r && raw[i + 1] == g && raw[i + 2] == b) n++;
                }
            return n;
        }
        Assert.True(Count(31, 119, 180) > width / 2, "the training curve spans the plot");
        Assert.True(Count(214, 39, 40) > 5 * 49, "five evaluation markers");
        Assert.True(Count(0, 0, 0) > 2 * (width + height) - 400, "frame and labels");
    }

    [Fact]
    public void No_rows_write_no_plot()
    {
        using var folder = new TempFolder();
        LossPlot.Write(folder.File("loss.png"), []);
        Assert.False(File.Exists(folder.File("loss.png")));
        Assert.Equal("IHDR", Encoding.ASCII.GetString(PngEncoder.Encode(new Raster(1, 1, Rgb.White)), 12, 4));
    }
}
