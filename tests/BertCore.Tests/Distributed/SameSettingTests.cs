using BertCore.Distributed;
using Xunit;

namespace BertCore.Tests.Distributed;

/// <summary><see cref="CommunicatorExtensions.RequireSameOnEveryRank"/> on two in-memory ranks (one thread each): a
/// setting that differs from rank 0's (a BERTCORE_MPI_BUCKET_MB that mpirun did not pass to another machine) stops
/// the rank that differs, with a message naming the setting and both values.</summary>
public class SameSettingTests
{
    private static Exception?[] Run(double rank0, double rank1)
    {
        var world = InMemoryRanks.Create(2);
        double[] values = [rank0, rank1];
        var ranks = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
            Record.Exception(() => world[r].RequireSameOnEveryRank(values[r], MpiLaunch.BucketVariable)))).ToArray();
        return ranks.Select(t => t.Result).ToArray();
    }

    [Fact]
    public void The_same_value_on_every_rank_passes()
    {
        Assert.All(Run(25, 25), Assert.Null);
    }

    [Fact]
    public void A_rank_whose_value_differs_from_rank_0s_throws_naming_the_setting_and_both_values()
    {
        var errors = Run(25, 4);
        Assert.Null(errors[0]);
        var e = Assert.IsType<InvalidOperationException>(errors[1]);
        Assert.Equal("BERTCORE_MPI_BUCKET_MB is 4 on rank 1 but 25 on rank 0: every rank must use the same (mpirun passes its " +
            "environment to the ranks on its own machine only; add -x BERTCORE_MPI_BUCKET_MB for the others)", e.Message);
    }
}
