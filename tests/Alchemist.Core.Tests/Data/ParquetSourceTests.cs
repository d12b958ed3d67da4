using Alchemist.Data;
using Alchemist.Spec;
using Parquet;
using Parquet.Schema;
using Xunit;

namespace Alchemist.Core.Tests.Data;

/// <summary>Parquet in: row groups cut into batches, columns by name, nulls, labels by name, and errors that name the file and field.</summary>
public sealed class ParquetSourceTests : IDisposable
{
    private static readonly DataField<long> Id = new("id");
    private static readonly DataField<string> TextField = new("text");
    private static readonly DataField<double?> Score = new("score");
    private static readonly DataField<string> LabelField = new("label");
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Five rows in two row groups (3 + 2): one text null, one score null, one row without a label.</summary>
    private string WriteFile(string name = "rows.parquet", string badLabel = "ham")
    {
        var path = Path.Combine(_folder.Path, name);
        using var stream = File.Create(path);
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(Id, TextField, Score, LabelField), stream).GetAwaiter().GetResult();
        void Group(long[] ids, string?[] texts, double?[] scores, string?[] labels)
        {
            using var group = writer.CreateRowGroup();
            group.WriteAsync<long>(Id, new ReadOnlyMemory<long>(ids), null, null, CancellationToken.None).GetAwaiter().GetResult();
            group.WriteAsync(TextField, texts, null).GetAwaiter().GetResult();
            group.WriteAsync<double>(Score, new ReadOnlyMemory<double?>(scores), null, null, CancellationToken.None).GetAwaiter().GetResult();
            group.WriteAsync(LabelField, labels, null).GetAwaiter().GetResult();
        }

        Group([10, 11, 12], ["free money", null, "see you"], [0.5, null, 2], ["spam", "ham", null]);
        Group([13, 14], ["win now", "hi"], [1, -3], ["SPAM", badLabel]);
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return path;
    }

    private static FieldMap Fields => new(["text"], "label") { NumberFields = ["score"], IdField = "id", ClassNames = ["ham", "spam"] };

    [Fact]
    public void Rows_come_in_batches_across_row_groups_with_nulls_as_empty_text_NaN_and_no_label()
    {
        var batches = new ParquetSource(WriteFile(), Fields).ReadBatches(batchSize: 2).ToList();

        Assert.Equal([2, 2, 1], batches.Select(b => b.Count));
        var all = DataBatch.Concat(batches);
        Assert.Equal(["10", "11", "12", "13", "14"], all.RowIds);
        Assert.Equal(["free money", "", "see you", "win now", "hi"], all.Texts["text"]);
        Assert.Equal([0.5, double.NaN, 2, 1, -3], all.Numbers["score"]);
        Assert.Equal([1, 0, DataBatch.NoLabel, 1, 0], all.Labels);
        Assert.Equal([0L, 2L, 4L], batches.Select(b => b.FirstRow));
    }

    [Fact]
    public void A_missing_column_a_wrong_label_and_a_file_that_is_not_parquet_are_named()
    {
        var missing = Assert.Throws<DataFormatException>(() => new ParquetSource(WriteFile(), Fields with { TextFields = ["body"] }).ReadBatches().ToList());
        Assert.Contains("body", missing.Message, StringComparison.Ordinal);
        Assert.Contains("no text column of this name; the file's columns are id, text, score, label", missing.Message, StringComparison.Ordinal);

        var label = Assert.Throws<DataFormatException>(() => new ParquetSource(WriteFile("bad.parquet", badLabel: "eggs"), Fields).ReadBatches().ToList());
        Assert.Contains("row 5: 'eggs' is not a class; classes are ham, spam", label.Message, StringComparison.Ordinal);

        var text = _folder.Write("fake.parquet", "text,label\nhello,ham\n");
        var notParquet = Assert.Throws<DataFormatException>(() => new ParquetSource(text, Fields).ReadBatches().ToList());
        Assert.Contains("fake.parquet", notParquet.Message, StringComparison.Ordinal);
        Assert.Contains("not a Parquet file that can be read", notParquet.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_spec_with_parquet_files_reads_its_splits()
    {
        WriteFile("train.parquet");
        WriteFile("valid.parquet");
        File.WriteAllText(Path.Combine(_folder.Path, "alchemist.yaml"), """
            name: t
            description: d
            inputs:
            - name: text
            - name: score
              type: number
            classes: [ham, spam]
            data:
              train: train.parquet
              valid: valid.parquet
              label_field: label
              id_field: id
            """);

        var spec = SpecReader.Load(_folder.Path);
        var dataset = SpecData.LoadDataset(spec);

        Assert.Equal("parquet", spec.Data.Format);
        Assert.Equal(5, dataset.Train.Count);
        Assert.Equal([1, 0, DataBatch.NoLabel, 1, 0], dataset.Valid!.Rows.Labels);
    }
}
