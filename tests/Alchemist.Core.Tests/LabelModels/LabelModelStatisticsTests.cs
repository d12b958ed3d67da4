using Alchemist.Labeling;
using Alchemist.LabelModels;
using Xunit;

namespace Alchemist.Core.Tests.LabelModels;

public class LabelModelStatisticsTests
{
    [Fact]
    public void Statistics_match_a_direct_count_on_a_small_matrix()
    {
        var votes = LabelModelTests.Matrix(
            3,
            [0, 0, -1],
            [1, 2, 2],
            [-1, -1, -1],
            [2, 2, 0],
            [0, -1, 0]);
        var s = LabelStatistics.Compute(votes);

        Assert.Equal(5, s.Rows);
        Assert.Equal(1, s.UncoveredRows);
        Assert.Equal(0, s.TiedRows);
        Assert.Equal([2L, 0, 2], s.MajorityWinners);        // rows 0 and 4 -> 0, rows 1 and 3 -> 2
        Assert.Equal([2L, 1, 1], s.VoteCounts[0..3]);       // program 0 votes 0 twice, 1 once, 2 once
        Assert.Equal(3, s.ProgramVotes(1));
        var d = s.Dimension;
        Assert.Equal(1, s.Overlaps![(0 * 3 + 0) * d + (1 * 3 + 0)]); // programs 0 and 1 both vote 0 on row 0
        Assert.Equal(1, s.Overlaps[(0 * 3 + 1) * d + (2 * 3 + 2)]);  // row 1: program 0 votes 1, program 2 votes 2
        Assert.Equal(s.Overlaps[(2 * 3 + 2) * d + (0 * 3 + 1)], s.Overlaps[(0 * 3 + 1) * d + (2 * 3 + 2)]);
        Assert.Equal(0, s.Overlaps[(0 * 3 + 0) * d + (0 * 3 + 2)]); // one program never overlaps itself off the diagonal
        Assert.Equal([3L, 3, 2], s.MajorityAgreements);
        Assert.Equal([4L, 3, 3], s.MajorityDecidedVotes);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 7)]
    [InlineData(6, 64)]
    public void Shard_statistics_merge_into_exactly_the_statistics_of_all_rows(int classes, int shardRows)
    {
        var data = SyntheticVotes.Generate(1_000, 9, classes, seed: classes * 100 + shardRows, coverageLow: 0.05, coverageHigh: 0.6);
        var whole = LabelStatistics.Compute(data.Votes, shardRows: 64);
        var merged = new LabelStatistics(9, classes, withOverlaps: true);
        for (var first = 0; first < 1_000; first += shardRows * 13)
        {
            merged.Merge(LabelStatistics.ComputeShard(data.Votes, first, Math.Min(shardRows * 13, 1_000 - first)));
        }

        var naive = NaiveOverlaps(data.Votes);
        Assert.Equal(naive, whole.Overlaps);
        Assert.Equal(whole.Overlaps, merged.Overlaps);
        Assert.Equal(whole.VoteCounts, merged.VoteCounts);
        Assert.Equal(whole.MajorityWinners, merged.MajorityWinners);
        Assert.Equal(whole.MajorityAgreements, merged.MajorityAgreements);
        Assert.Equal(whole.MajorityDecidedVotes, merged.MajorityDecidedVotes);
        Assert.Equal((whole.Rows, whole.UncoveredRows, whole.TiedRows), (merged.Rows, merged.UncoveredRows, merged.TiedRows));
    }

    [Fact]
    public void Parallel_statistics_over_many_shards_equal_one_thread()
    {
        var data = SyntheticVotes.Generate(200_003, 20, 2, seed: 4);
        var parallel = LabelStatistics.Compute(data.Votes, shardRows: 4_096);
        var single = LabelStatistics.Compute(data.Votes, maxDegreeOfParallelism: 1);
        Assert.Equal(single.Overlaps, parallel.Overlaps);
        Assert.Equal(single.MajorityAgreements, parallel.MajorityAgreements);
        Assert.Equal(single.TiedRows, parallel.TiedRows);
        Assert.Equal(single.VoteCounts.Sum(), data.Votes.Rows * 20L - Enumerable.Range(0, 20).Sum(j => (long)data.Votes.Column(j).Count(LabelMatrix.Abstain)));
    }

    [Fact]
    public void Merging_statistics_of_different_shapes_is_refused()
    {
        var a = new LabelStatistics(3, 2, withOverlaps: true);
        Assert.Contains("3 programs x 3 classes", Assert.Throws<ArgumentException>(() => a.Merge(new LabelStatistics(3, 3, true))).Message);
        Assert.Throws<ArgumentException>(() => a.Merge(new LabelStatistics(3, 2, false)));
    }

    [Fact]
    public void Sparse_rows_hold_each_vote_once_in_program_order()
    {
        var data = SyntheticVotes.Generate(10_000, 7, 4, seed: 6);
        var sparse = SparseVotes.Build(data.Votes, shardRows: 999);
        foreach (var shard in sparse.Shards)
        {
            for (var r = 0; r < shard.RowCount; r++)
            {
                var expected = Enumerable.Range(0, 7)
                    .Where(j => data.Votes[shard.FirstRow + r, j] >= 0)
                    .Select(j => j * 4 + data.Votes[shard.FirstRow + r, j]);
                Assert.Equal(expected, shard.RowCodes(r).ToArray());
            }
        }

        Assert.Equal(10_000, sparse.Shards.Sum(s => s.RowCount));
    }

    [Fact]
    public void Shards_built_when_read_hold_what_kept_shards_hold_and_fit_the_same_model()
    {
        var data = SyntheticVotes.Generate(30_001, 6, 3, seed: 8);
        var kept = SparseVotes.Build(data.Votes, shardRows: 1_000);
        var onDemand = SparseVotes.Build(data.Votes, shardRows: 1_000, maxRowsKept: 10_000);
        Assert.Equal(kept.Shards.Count, onDemand.Shards.Count);
        Assert.Equal(31, onDemand.Shards.Count);
        for (var s = 0; s < kept.Shards.Count; s++)
        {
            Assert.Equal(kept.Shards[s].FirstRow, onDemand.Shards[s].FirstRow);
            Assert.Equal(kept.Shards[s].RowCount, onDemand.Shards[s].RowCount);
            for (var r = 0; r < kept.Shards[s].RowCount; r++)
            {
                Assert.Equal(kept.Shards[s].RowCodes(r).ToArray(), onDemand.Shards[s].RowCodes(r).ToArray());
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => onDemand.Shards[31]);
        var model = new MajorityVote();
        model.Fit(data.Votes, ClassBalance.Estimated);
        var fromKept = new float[data.Votes.Rows * 3];
        var fromOnDemand = new float[data.Votes.Rows * 3];
        model.PredictProbabilities(kept, fromKept);
        model.PredictProbabilities(onDemand, fromOnDemand);
        Assert.Equal(fromKept, fromOnDemand);
    }

    private static long[] NaiveOverlaps(LabelMatrix votes)
    {
        var k = votes.Classes;
        var d = votes.Programs * k;
        var overlaps = new long[d * d];
        for (var r = 0; r < votes.Rows; r++)
        {
            for (var i = 0; i < votes.Programs; i++)
            {
                for (var j = 0; j < votes.Programs; j++)
                {
                    if (votes[r, i] >= 0 && votes[r, j] >= 0)
                    {
                        overlaps[(i * k + votes[r, i]) * d + (j * k + votes[r, j])]++;
                    }
                }
            }
        }

        return overlaps;
    }
}
