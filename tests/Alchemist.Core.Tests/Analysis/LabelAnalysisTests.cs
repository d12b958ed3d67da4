using Alchemist.Labeling;
using Xunit;

namespace Alchemist.Core.Tests.Analysis;

public class LabelAnalysisTests
{
    private static LabelMatrix Matrix(int classes, params sbyte[][] columns) =>
        LabelMatrix.FromColumns(columns[0].Length, classes, columns.Select((_, j) => $"p{j}").ToArray(), columns);

    [Fact]
    public void Hand_made_matrix_gives_the_known_table()
    {
        var votes = Matrix(
            2,
            [0, 1, -1, 1],
            [0, 0, -1, -1],
            [-1, 1, 1, -1]);
        int[] gold = [0, 1, 1, -1];

        var report = LabelAnalysis.Analyze(votes, gold, estimatedAccuracies: [0.9, 0.6, 0.8]);

        Assert.Equal((1.0, 0.5, 0.25, 3L), (report.Coverage, report.Overlaps, report.Conflicts, report.GoldRows));
        var p0 = report.Programs[0];
        Assert.Equal([0, 1], p0.Polarity);
        Assert.Equal((0.75, 0.5, 0.25), (p0.Coverage, p0.Overlaps, p0.Conflicts));
        Assert.Equal((2L, 0L, 1.0, 0.9), (p0.Correct!.Value, p0.Incorrect!.Value, p0.EmpiricalAccuracy!.Value, p0.EstimatedAccuracy!.Value));
        var p1 = report.Programs[1];
        Assert.Equal([0], p1.Polarity);
        Assert.Equal((0.5, 0.5, 0.25), (p1.Coverage, p1.Overlaps, p1.Conflicts));
        Assert.Equal((1L, 1L, 0.5), (p1.Correct!.Value, p1.Incorrect!.Value, p1.EmpiricalAccuracy!.Value));
        var p2 = report.Programs[2];
        Assert.Equal([1], p2.Polarity);
        Assert.Equal((0.5, 0.25, 0.25), (p2.Coverage, p2.Overlaps, p2.Conflicts));
        Assert.Equal((2L, 0L), (p2.Correct!.Value, p2.Incorrect!.Value));
    }

    [Fact]
    public void Without_gold_or_estimates_those_columns_are_empty_and_silent_programs_have_no_polarity()
    {
        var votes = Matrix(3, [2, 2, -1], [-1, -1, -1], [0, -1, 2]);

        var report = LabelAnalysis.Analyze(votes);

        Assert.False(report.HasGold);
        Assert.Null(report.Programs[0].Correct);
        Assert.Null(report.Programs[0].EstimatedAccuracy);
        Assert.Equal([2], report.Programs[0].Polarity);
        Assert.Empty(report.Programs[1].Polarity);
        Assert.Equal([0, 2], report.Programs[2].Polarity);
        Assert.Equal(0, report.Programs[1].Coverage);
        Assert.Equal(1.0 / 3, report.Programs[0].Overlaps, 12);
        Assert.Equal(1.0 / 3, report.Programs[0].Conflicts, 12);
    }

    [Fact]
    public void A_program_that_never_votes_on_gold_rows_has_nan_accuracy()
    {
        var votes = Matrix(2, [1, -1]);

        var report = LabelAnalysis.Analyze(votes, [-1, 0]);

        Assert.True(double.IsNaN(report.Programs[0].EmpiricalAccuracy!.Value));
        Assert.Equal(1, report.GoldRows);
    }

    [Fact]
    public void Agreeing_votes_overlap_without_conflict_and_three_way_rows_conflict_for_every_voter()
    {
        var votes = Matrix(3, [0, 0], [0, 1], [0, 2]);

        var report = LabelAnalysis.Analyze(votes);

        Assert.All(report.Programs, p => Assert.Equal((1.0, 1.0, 0.5), (p.Coverage, p.Overlaps, p.Conflicts)));
    }

    [Fact]
    public void Large_matrix_across_chunks_matches_a_row_by_row_count()
    {
        const int rows = 200_003;
        const int programs = 7;
        var random = new Random(11);
        var columns = new sbyte[programs][];
        for (var j = 0; j < programs; j++)
        {
            columns[j] = new sbyte[rows];
            for (var i = 0; i < rows; i++)
            {
                // Program 0 votes only classes 0 and 2, so its polarity has a gap; the others vote any of the four.
                var vote = j == 0 ? random.Next(2) * 2 : random.Next(4);
                columns[j][i] = random.NextDouble() < 0.3 ? (sbyte)vote : (sbyte)-1;
            }
        }

        var gold = Enumerable.Range(0, rows).Select(_ => random.Next(-1, 4)).ToArray();
        var votes = Matrix(4, columns);

        var report = LabelAnalysis.Analyze(votes, gold);

        for (var j = 0; j < programs; j++)
        {
            long covered = 0, overlapped = 0, conflicted = 0, correct = 0, incorrect = 0;
            var polarity = new SortedSet<int>();
            for (var i = 0; i < rows; i++)
            {
                var v = columns[j][i];
                if (v < 0)
                {
                    continue;
                }

                covered++;
                polarity.Add(v);
                bool overlap = false, conflict = false;
                for (var o = 0; o < programs; o++)
                {
                    if (o != j && columns[o][i] >= 0)
                    {
                        overlap = true;
                        conflict |= columns[o][i] != v;
                    }
                }

                overlapped += overlap ? 1 : 0;
                conflicted += conflict ? 1 : 0;
                if (gold[i] >= 0)
                {
                    (correct, incorrect) = gold[i] == v ? (correct + 1, incorrect) : (correct, incorrect + 1);
                }
            }

            var p = report.Programs[j];
            Assert.Equal((double)covered / rows, p.Coverage, 12);
            Assert.Equal((double)overlapped / rows, p.Overlaps, 12);
            Assert.Equal((double)conflicted / rows, p.Conflicts, 12);
            Assert.Equal((correct, incorrect), (p.Correct!.Value, p.Incorrect!.Value));
            Assert.Equal(polarity, p.Polarity);
        }
    }

    [Fact]
    public void Mismatched_gold_or_estimates_are_refused()
    {
        var votes = Matrix(2, [0, 1]);

        Assert.Throws<ArgumentException>(() => LabelAnalysis.Analyze(votes, [0]));
        Assert.Throws<ArgumentException>(() => LabelAnalysis.Analyze(votes, null, [0.5, 0.5]));
    }
}
