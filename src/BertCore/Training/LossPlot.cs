using BertCore.Training.Plots;

namespace BertCore.Training;

/// <summary>loss.png of a run: the training loss of every step (MLM, plus the relation loss when trained) and the
/// held-out MLM loss, ln(perplexity), at each evaluation, against the step.</summary>
public static class LossPlot
{
    private static readonly Rgb TrainColor = new(31, 119, 180);
    private static readonly Rgb EvalColor = new(214, 39, 40);

    /// <summary>Draws the rows' curves and writes the PNG atomically; nothing is written for no rows.</summary>
    public static void Write(string path, IReadOnlyList<MetricsRow> rows)
    {
        if (rows.Count == 0) return;
        var series = new List<ChartSeries> { new("train loss", rows.Select(r => ((double)r.Step, r.Loss)).ToArray(), TrainColor) };
        var evaluations = rows.Where(r => !double.IsNaN(r.EvalPerplexity)).Select(r => ((double)r.Step, Math.Log(r.EvalPerplexity))).ToArray();
        if (evaluations.Length > 0) series.Add(new ChartSeries("eval mlm loss", evaluations, EvalColor, Markers: true));
        PngEncoder.Write(path, LineChart.Render(series, xTitle: "step"));
    }
}
