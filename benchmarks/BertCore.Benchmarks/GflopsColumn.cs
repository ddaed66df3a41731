using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace BertCore.Benchmarks;

/// <summary>A summary column of GFLOP/s: the floating-point operations of one invocation (from the case's
/// parameters, null when unknown) over its mean time.</summary>
public sealed class GflopsColumn(Func<BenchmarkCase, double?> flopsOf) : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "floating-point operations per invocation / mean time";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;   // nanoseconds
        double? flops = flopsOf(benchmarkCase);
        return mean is > 0 && flops != null ? (flops.Value / mean.Value).ToString("F1", CultureInfo.InvariantCulture) : "-";
    }
}
