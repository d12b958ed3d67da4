using Alchemist.Data;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Core.Tests.Data;

public class DatasetTests
{
    [Fact]
    public void Seeded_split_is_stable_disjoint_complete_and_near_its_fractions()
    {
        using var dir = new TempFolder();
        var lines = Enumerable.Range(0, 5000).Select(i => $"{{\"t\": \"row {i}\", \"y\": {i % 2}}}");
        var path = dir.Write("all.jsonl", string.Join("\n", lines));
        var source = new JsonlSource(path, FieldMap.Text("t", "y"));
        var rule = new SeededSplit(0.1, 0.2, Seed: 7).Validate();

        var parts = new[] { "train", "valid", "test" }.ToDictionary(s => s, s => rule.Select(source, s).ReadAll(batchSize: 777));
        var again = rule.Select(source, "test").ReadAll(batchSize: 5000);
        var otherSeed = (rule with { Seed = 8 }).Select(source, "test").ReadAll();

        Assert.Equal(5000, parts.Values.Sum(p => p.Count));
        Assert.Empty(parts["train"].Text("t").Intersect(parts["test"].Text("t")));
        Assert.Equal(parts["test"].Text("t"), again.Text("t"));
        Assert.NotEqual(parts["test"].Text("t"), otherSeed.Text("t"));
        Assert.InRange(parts["valid"].Count, 400, 600);
        Assert.InRange(parts["test"].Count, 880, 1120);
        Assert.NotEqual(rule.Select(source, "test").ContentHash(), rule.Select(source, "valid").ContentHash());
    }

    [Fact]
    public void Split_fractions_that_leave_no_train_rows_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new SeededSplit(0.5, 0.5, 1).Validate());
        Assert.Throws<ArgumentException>(() => new SeededSplit(-0.1, 0.2, 1).Validate());
    }

    [Fact]
    public void Integer_labels_without_class_names_get_numbered_classes()
    {
        using var dir = new TempFolder();
        var train = dir.Write("train.csv", "text,label\na,0\nb,2\n");
        var test = dir.Write("test.csv", "text,label\nc,1\n");

        var data = Dataset.FromSources("x", new CsvSource(train, FieldMap.Text("text", "label")), null, new CsvSource(test, FieldMap.Text("text", "label")));

        Assert.Equal(["0", "1", "2"], data.ClassNames);
        Assert.Null(data.Valid);
        Assert.Throws<InvalidOperationException>(() => data.Split("valid"));
        Assert.Single(data.Test!.Rows.Labels);
    }

    [Fact]
    public void Wrench_folder_loads_all_three_splits_of_trec()
    {
        var data = Dataset.LoadWrench(SharedFolder.Dataset("trec"));

        Assert.Equal("trec", data.Name);
        Assert.Equal(6, data.Classes);
        Assert.Equal((5033, 500, 500), (data.Train.Count, data.Valid!.Count, data.Test!.Count));
        Assert.Equal(68, data.Train.Rows.WeakLabels!.Programs);
        Assert.Equal(6, data.Train.Rows.WeakLabels.Classes);
    }
}
