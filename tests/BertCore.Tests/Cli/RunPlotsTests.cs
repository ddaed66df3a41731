using System.Buffers.Binary;
using BertCore.Cli.Plots;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Training;
using SkiaSharp;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary><see cref="RunPlots"/>: loss.png and dev.png drawn from a run's metrics.csv with ScottPlot.</summary>
public class RunPlotsTests
{
    private const string Blue = "1f77b4", Red = "d62728";   // the first and second curve

    [Fact]
    public void Pretraining_metrics_give_a_loss_plot_with_both_curves()
    {
        using var folder = new TempFolder();
        var lines = Enumerable.Range(1, 50).Select(s => s % 10 == 0
            ? $"{s},{6 - Math.Log(s)},1e-4,1,1000,0.5,{Math.Exp(5.5 - Math.Log(s))}"
            : $"{s},{6 - Math.Log(s)},1e-4,1,1000,,");
        File.WriteAllText(folder.File("metrics.csv"), "step,loss,lr,grad_norm,tokens_per_s,eval_mlm_accuracy,eval_perplexity\n" + string.Join("\n", lines) + "\n");

        var written = RunPlots.Write(folder.Root);

        Assert.Equal([folder.File("loss.png")], written);
        AssertPng(written[0]);
        Assert.True(Pixels(written[0], Blue) > LineChartPng.Width / 4, "the training curve spans the plot");
        Assert.True(Pixels(written[0], Red) > 5 * 20, "five evaluation markers");
    }

    [Fact]
    public void Fine_tuning_metrics_give_loss_and_dev_plots()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("metrics.csv"), """
            step,epoch,loss,lr,grad_norm,examples_per_s,dev_loss,dev_accuracy,dev_f1
            1,0.25,0.70,5e-5,1.2,100,,,
            2,0.5,0.65,4e-5,1.1,100,0.66,0.6,0.55
            3,0.75,0.50,3e-5,1.0,100,,,
            4,1,0.40,2e-5,0.9,100,0.45,0.8,0.75

            """.Replace("\r", ""));

        var written = RunPlots.Write(folder.Root);

        Assert.Equal([folder.File("loss.png"), folder.File("dev.png")], written);
        Assert.All(written, AssertPng);
        Assert.True(Pixels(folder.File("dev.png"), Blue) > 20 && Pixels(folder.File("dev.png"), Red) > 20, "dev accuracy and dev f1 are drawn");
    }

    [Fact]
    public void No_rows_or_no_file_write_nothing()
    {
        using var folder = new TempFolder();
        Assert.Empty(RunPlots.Write(folder.Root));
        File.WriteAllText(folder.File("metrics.csv"), "step,loss\n");
        Assert.Empty(RunPlots.Write(folder.Root));
        Assert.False(File.Exists(folder.File("loss.png")));
    }

    [Fact]
    public void A_malformed_row_is_reported_with_file_and_line()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("metrics.csv"), "step,loss\n1,0.5\n2,x\n");
        var e = Assert.Throws<InvalidFileException>(() => RunPlots.Write(folder.Root));
        Assert.Equal($"{folder.File("metrics.csv")}:3: loss 'x' is not a number", e.Message);
        Assert.False(File.Exists(folder.File("loss.png")));
    }

    /// <summary>A PNG of the chart's size whose chunks' CRCs check (by the tests' own PNG reader).</summary>
    private static void AssertPng(string path)
    {
        Assert.True(PngFile.IsPng(path), path + " is not a valid PNG");
        var ihdr = PngFile.Chunks(File.ReadAllBytes(path))[0];
        Assert.Equal("IHDR", ihdr.Type);
        Assert.Equal((uint)LineChartPng.Width, BinaryPrimitives.ReadUInt32BigEndian(ihdr.Data));
        Assert.Equal((uint)LineChartPng.Height, BinaryPrimitives.ReadUInt32BigEndian(ihdr.Data.AsSpan(4)));
    }

    /// <summary>Pixels of exactly the colour <paramref name="rgb"/> (hex), anti-aliased edges not counted.</summary>
    private static int Pixels(string path, string rgb)
    {
        using var bitmap = SKBitmap.Decode(path);
        var color = SKColor.Parse(rgb);
        return bitmap.Pixels.Count(p => p.Red == color.Red && p.Green == color.Green && p.Blue == color.Blue);
    }
}
