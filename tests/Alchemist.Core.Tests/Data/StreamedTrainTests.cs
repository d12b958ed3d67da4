using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.Spec;
using Xunit;

namespace Alchemist.Core.Tests.Data;

/// <summary>Train read once through and not held: its count and checks, and the pieces that label it batch by batch.</summary>
public sealed class StreamedTrainTests
{
    private static TaskSpec Spec(string folder, string extra = "") => SpecReader.Parse(
        """
        name: t
        description: d
        inputs:
        - name: text
        classes:
        - name: a
        - name: b
        data:
          format: jsonl
          train: train.jsonl
          valid: valid.jsonl
          label_field: label

        """ + extra, "alchemist.yaml", folder);

    private static string Rows(int count, Func<int, string> id) =>
        string.Concat(Enumerable.Range(0, count).Select(r => $"{{\"id\":\"{id(r)}\",\"text\":\"row {r}\"}}\n"));

    private static void WriteValid(TempFolder dir) => dir.Write("valid.jsonl", "{\"id\":\"v0\",\"text\":\"x\",\"label\":\"a\"}\n{\"id\":\"v1\",\"text\":\"y\",\"label\":\"b\"}\n");

    [Fact]
    public void Train_above_the_cap_is_counted_and_checked_but_not_held()
    {
        using var dir = new TempFolder();
        dir.Write("train.jsonl", Rows(30, r => "r" + r));
        WriteValid(dir);
        var held = SpecData.LoadDataset(Spec(dir.Path), 30);
        Assert.True(held.TrainHeld);
        Assert.Equal(30, held.Dataset.Train.Count);

        var streamed = SpecData.LoadDataset(Spec(dir.Path), 29);
        Assert.False(streamed.TrainHeld);
        Assert.Equal(30, streamed.TrainRows);
        Assert.Equal(0, streamed.Dataset.Train.Count);
        Assert.Equal(2, streamed.Dataset.Valid!.Count);
        Assert.True(streamed.Dataset.Train.Rows.Texts.ContainsKey("text"));
    }

    [Fact]
    public void A_repeated_id_in_a_train_split_not_held_is_named()
    {
        using var dir = new TempFolder();
        dir.Write("train.jsonl", Rows(30, r => r == 25 ? "r3" : "r" + r));
        WriteValid(dir);
        var error = Assert.Throws<DataFormatException>(() => SpecData.LoadDataset(Spec(dir.Path, "  id_field: id\n"), 10));
        Assert.Contains("row id 'r3' is used twice (two train rows)", error.Message, StringComparison.Ordinal);

        dir.Write("train.jsonl", Rows(30, r => "r" + r));
        Assert.Equal(30, SpecData.LoadDataset(Spec(dir.Path, "  id_field: id\n"), 10).TrainRows);
    }

    [Fact]
    public void Ties_broken_batch_by_batch_match_the_whole_split()
    {
        // Every row is an exact tie of three classes: only the row's place in the split decides.
        var probabilities = Enumerable.Repeat(1f / 3, 300 * 3).ToArray();
        var whole = ClassificationMetrics.ArgMax(probabilities, 3);
        Assert.True(whole.Distinct().Count() == 3, "ties spread over the classes");
        var batched = new List<int>();
        for (var start = 0; start < 300; start += 64)
        {
            var count = Math.Min(64, 300 - start);
            batched.AddRange(ClassificationMetrics.ArgMax(probabilities.AsSpan(start * 3, count * 3), 3, start));
        }

        Assert.Equal(whole, batched);
    }

    [Fact]
    public void Selected_rows_keep_their_values_and_the_first_ones_place()
    {
        var batch = new DataBatch(100, ["a", "b", "c", "d"], new Dictionary<string, string[]> { ["text"] = ["ta", "tb", "tc", "td"] },
            new Dictionary<string, double[]> { ["score"] = [1, 2, 3, 4] }, [0, -1, 1, 0])
        { RejectedRows = [2, 3] };
        var selected = batch.SelectRows([1, 3]);
        Assert.Equal(101, selected.FirstRow);
        Assert.Equal(["b", "d"], selected.RowIds);
        Assert.Equal(["tb", "td"], selected.Text("text"));
        Assert.Equal([2.0, 4.0], selected.Number("score"));
        Assert.Equal([-1, 0], selected.Labels);
        Assert.Equal([1], selected.RejectedRows!);
        Assert.Null(batch.SelectRows([0, 1]).RejectedRows);
    }

    [Fact]
    public void A_slice_of_rows_copies_every_column()
    {
        var matrix = LabelMatrix.FromColumns(4, 2, ["p", "q"], [[0, 1, -1, 0], [-1, -1, 1, 1]]);
        var slice = matrix.SliceRows(1, 2);
        Assert.Equal(2, slice.Rows);
        Assert.Equal([1, -1], slice.Column(0).ToArray());
        Assert.Equal([-1, 1], slice.Column(1).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.SliceRows(3, 2));
    }
}
