using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

public class MetricsLogTests
{
    private static MetricsRow Row(int step, bool eval = false) =>
        new(step, 7.0 / step, 1e-4 * step, 0.5 + step, 1234.5, eval ? 0.25 : double.NaN, eval ? 88.5 : double.NaN);

    [Fact]
    public void Rows_round_trip_and_empty_fields_mean_no_evaluation()
    {
        using var folder = new TempFolder();
        var path = folder.File("metrics.csv");
        using (var log = MetricsLog.Open(path, 0))
        {
            log.Append(Row(1));
            log.Append(Row(2, eval: true));
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(MetricsLog.Header, lines[0]);
        Assert.Equal("1,7,0.0001,1.5,1234.5,,,", lines[1]);
        Assert.Equal([Row(1), Row(2, eval: true)], MetricsLog.Read(path));
    }

    [Fact]
    public void Opening_for_a_resume_keeps_rows_up_to_the_checkpoint_and_drops_a_cut_line()
    {
        using var folder = new TempFolder();
        var path = folder.File("metrics.csv");
        using (var log = MetricsLog.Open(path, 0))
            for (int s = 1; s <= 9; s++) log.Append(Row(s, eval: s == 5));
        File.AppendAllText(path, "10,3.1,0.0");   // a kill in the middle of a line

        using (var log = MetricsLog.Open(path, 6))
        {
            Assert.Equal([1, 2, 3, 4, 5, 6], MetricsLog.Read(path).Select(r => r.Step));
            log.Append(Row(7));
        }
        Assert.Equal(Enumerable.Range(1, 7).Select(s => Row(s, eval: s == 5)), MetricsLog.Read(path));

        using (MetricsLog.Open(path, 0)) { }   // a fresh run starts over
        Assert.Empty(MetricsLog.Read(path));
    }

    [Fact]
    public void The_replaced_token_accuracy_round_trips_and_files_without_its_column_still_read()
    {
        using var folder = new TempFolder();
        var path = folder.File("metrics.csv");
        var electra = Row(3, eval: true) with { EvalRtdAccuracy = 0.875 };
        using (var log = MetricsLog.Open(path, 0)) log.Append(electra);
        Assert.EndsWith(",0.25,88.5,0.875", File.ReadAllLines(path)[1]);
        Assert.Equal([electra], MetricsLog.Read(path));

        File.WriteAllText(path, MetricsLog.HeaderWithoutRtd + "\n3,2.3333333333333335,0.00030000000000000003,3.5,1234.5,0.25,88.5\n");
        Assert.Equal([Row(3, eval: true)], MetricsLog.Read(path));
    }

    [Fact]
    public void A_malformed_file_is_reported_with_its_line()
    {
        using var folder = new TempFolder();
        var path = folder.File("metrics.csv");
        File.WriteAllText(path, MetricsLog.Header + "\n1,2,3,4,5,,,\n2,x,3,4,5,,,\n");
        var e = Assert.Throws<InvalidFileException>(() => MetricsLog.Open(path, 5));
        Assert.Equal(3, e.Line);
        Assert.Contains("'x' is not a number", e.Message);
    }
}
