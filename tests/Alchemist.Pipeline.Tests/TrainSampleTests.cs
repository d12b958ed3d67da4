using System.Text;
using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Xunit;

namespace Alchemist.Pipeline.Tests;

public sealed class TrainSampleTests
{
    [Fact]
    public void Each_stratum_gets_its_proportional_share_with_the_remainder_to_the_largest_fraction()
    {
        // 10 rows: six of stratum 0, three of 1, one of 2. A sample of 5: exact shares 3, 1.5 and 0.5; the floors give 3 + 1,
        // and the one row left goes to the larger remainder, a tie of 0.5 and 0.5 broken towards the lower stratum, 1.
        byte[] strata = [0, 1, 0, 0, 2, 1, 0, 0, 1, 0];
        var rows = TrainSample.Choose(strata, 5);
        Assert.Equal(5, rows.Length);
        Assert.Equal(3, rows.Count(r => strata[r] == 0));
        Assert.Equal(2, rows.Count(r => strata[r] == 1));
        Assert.Equal(0, rows.Count(r => strata[r] == 2));
        Assert.Equal(rows.Order(), rows);
        Assert.Equal(rows, TrainSample.Choose(strata, 5));
        var many = new byte[100];
        Assert.NotEqual(TrainSample.Choose(many, 10), TrainSample.Choose(many, 10, seed: 7));
    }

    [Fact]
    public void A_sample_as_large_as_train_is_every_row()
    {
        Assert.Equal([0, 1, 2], TrainSample.Choose([1, 1, 0], 3));
        Assert.Equal([0, 1, 2], TrainSample.Choose([1, 1, 0], 10));
    }

    [Fact]
    public void Every_row_of_a_stratum_is_as_likely()
    {
        // 1,000 rows of one stratum, 100 drawn, over 200 seeds: each row's count is Binomial(200, 0.1), mean 20, sd 4.2.
        var strata = new byte[1_000];
        var counts = new int[strata.Length];
        for (var seed = 0; seed < 200; seed++)
        {
            foreach (var r in TrainSample.Choose(strata, 100, seed))
            {
                counts[r]++;
            }
        }

        Assert.InRange(counts.Take(500).Sum() / 500.0, 18, 22);
        Assert.InRange(counts.Skip(500).Sum() / 500.0, 18, 22);
        Assert.InRange(counts.Max(), 21, 45);
    }

    [Fact]
    public void Strata_are_the_label_models_classes_and_the_uncovered_rows()
    {
        var votes = LabelMatrix.FromColumns(4, 2, ["p", "q"], [[0, 1, -1, 1], [0, 1, -1, -1]]);
        var model = new MajorityVote();
        model.Fit(votes, ClassBalance.Estimated);
        Assert.Equal([0, 1, 2, 1], TrainSample.Strata(votes, model));
    }

    [Fact]
    public void Reading_the_sample_takes_the_rows_at_those_places_across_batches()
    {
        var file = Path.Combine(Path.GetTempPath(), $"alchemist-sample-{Guid.NewGuid():N}.jsonl");
        try
        {
            var text = new StringBuilder();
            for (var r = 0; r < DataBatch.DefaultSize + 10; r++)
            {
                text.Append("{\"id\":\"row").Append(r).Append("\",\"text\":\"t").Append(r).Append("\"}\n");
            }

            File.WriteAllText(file, text.ToString());
            var source = Dataset.OpenFile(file, "jsonl", new FieldMap(["text"], null) { IdField = "id" });
            int[] rows = [0, DataBatch.DefaultSize - 1, DataBatch.DefaultSize, DataBatch.DefaultSize + 9];
            var sample = TrainSample.Read(source, rows);
            Assert.Equal(rows.Select(r => "row" + r), sample.RowIds);
            Assert.Equal(rows.Select(r => "t" + r), sample.Text("text"));
            Assert.Contains("changed during the run", Assert.Throws<DataFormatException>(() => TrainSample.Read(source, [5, DataBatch.DefaultSize + 10])).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
