using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Core.Tests.Data;

public class DataReaderTests
{
    private const string Labels = """{"0": "HAM", "1": "SPAM"}""";

    private static string Wrench(params string[] rows) => "{\n" + string.Join(",\n", rows) + "\n}\n";

    private static string Row(string id, string text, int label, string votes) =>
        $$"""  "{{id}}": {"data": {"text": "{{text}}", "score": 0.5}, "label": {{label}}, "weak_labels": [{{votes}}]}""";

    [Fact]
    public void Wrench_split_reads_texts_numbers_labels_and_votes_in_batches()
    {
        using var dir = new TempFolder();
        dir.Write("label.json", Labels);
        dir.Write("train.json", Wrench(Row("10", "buy now", 1, "1, -1"), Row("11", "nice song", 0, "-1, 0"), Row("12", "hi \\u00e9", 0, "-1, -1")));
        var source = WrenchSource.Open(dir.Path, "train");

        var batches = source.ReadBatches(batchSize: 2).ToList();

        Assert.Equal([2, 1], batches.Select(b => b.Count));
        Assert.Equal([0L, 2L], batches.Select(b => b.FirstRow));
        var all = DataBatch.Concat(batches);
        Assert.Equal(["10", "11", "12"], all.RowIds);
        Assert.Equal(["buy now", "nice song", "hi é"], all.Text("text"));
        Assert.Equal([0.5, 0.5, 0.5], all.Number("score"));
        Assert.Equal([1, 0, 0], all.Labels);
        Assert.Equal(["HAM", "SPAM"], source.ClassNames);
        var votes = all.WeakLabels!;
        Assert.Equal(2, votes.Programs);
        Assert.Equal(new sbyte[] { 1, -1, -1 }, votes.Column(0).ToArray());
        Assert.Equal(new sbyte[] { -1, 0, -1 }, votes.Column(1).ToArray());
    }

    [Fact]
    public void Wrench_reader_streams_rows_larger_than_its_buffer()
    {
        using var dir = new TempFolder();
        dir.Write("label.json", Labels);
        var longText = new string('x', 200_000);
        var rows = Enumerable.Range(0, 50).Select(i => Row(i.ToString(), i % 7 == 0 ? longText : "t" + i, i % 2, "-1")).ToArray();
        dir.Write("test.json", Wrench(rows));

        var all = WrenchSource.Open(dir.Path, "test").ReadAll(batchSize: 8);

        Assert.Equal(50, all.Count);
        Assert.Equal(longText, all.Text("text")[49]);
        Assert.Equal("t48", all.Text("text")[48]);
        Assert.Equal(1, all.Labels[49]);
    }

    [Theory]
    [InlineData("\"label\": 5", "label", "outside the 2 classes")]
    [InlineData("\"label\": \"x\"", "label", "'x' is not a class")]
    [InlineData("\"weak_labels\": [1]", "weak_labels", "has 1 votes, the first row has 2")]
    [InlineData("\"weak_labels\": [1, 7]", "weak_labels", "vote 1 is 7")]
    public void Wrench_bad_field_names_file_line_row_and_field(string badPart, string field, string problem)
    {
        using var dir = new TempFolder();
        dir.Write("label.json", Labels);
        var bad = $$"""  "b7": {"data": {"text": "x", "score": 1}, "label": 0, "weak_labels": [0, 0], {{badPart}}}""";
        var path = dir.Write("valid.json", Wrench(Row("a", "ok", 0, "1, 1"), bad));

        var error = Assert.Throws<DataFormatException>(() => WrenchSource.Open(dir.Path, "valid").ReadAll());

        Assert.Equal(path, error.File);
        Assert.Equal(3, error.Line);
        Assert.Equal("b7", error.RowId);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Message);
        Assert.Contains(path, error.Message);
        Assert.Contains("line 3", error.Message);
        Assert.Contains("row 'b7'", error.Message);
    }

    [Fact]
    public void Wrench_row_missing_a_data_field_names_it()
    {
        using var dir = new TempFolder();
        dir.Write("label.json", Labels);
        dir.Write("train.json", Wrench(Row("a", "ok", 0, "1"), """  "b": {"data": {"text": "no score"}, "label": 0, "weak_labels": [1]}"""));

        var error = Assert.Throws<DataFormatException>(() => WrenchSource.Open(dir.Path, "train").ReadAll());

        Assert.Equal("data.score", error.Field);
        Assert.Equal("b", error.RowId);
    }

    [Fact]
    public void Wrench_syntax_error_and_truncated_file_give_the_line()
    {
        using var dir = new TempFolder();
        dir.Write("label.json", Labels);
        dir.Write("train.json", "{\n  \"0\": {\"data\": {\"text\": \"a\"}, \"label\": 0},\n  \"1\": {\"data\": {\"text\": \"b\"} \"label\": 1}\n}");
        dir.Write("test.json", "{\n  \"0\": {\"data\": {\"text\": \"a\"}, \"label\": 0},\n  \"1\": {\"data\": {\"te");

        var syntax = Assert.Throws<DataFormatException>(() => WrenchSource.Open(dir.Path, "train").ReadAll());
        var truncated = Assert.Throws<DataFormatException>(() => WrenchSource.Open(dir.Path, "test").ReadAll());

        Assert.Equal(3, syntax.Line);
        Assert.Contains("not valid JSON", syntax.Message);
        Assert.Contains("train.json", syntax.Message);
        Assert.Contains("test.json", truncated.Message);
        Assert.Equal(3, truncated.Line);
    }

    [Fact]
    public void Wrench_text_fields_keep_later_numbers_as_text_but_number_fields_refuse_strings()
    {
        using var dir = new TempFolder();
        dir.Write("label.json", Labels);
        dir.Write("train.json", Wrench(Row("a", "ok", 0, "1"), """  "b": {"data": {"text": 42, "score": 1}, "label": 1, "weak_labels": [0]}"""));
        dir.Write("test.json", Wrench(Row("a", "ok", 0, "1"), """  "b": {"data": {"text": "x", "score": "high"}, "label": 1, "weak_labels": [0]}"""));

        var train = WrenchSource.Open(dir.Path, "train").ReadAll();
        var error = Assert.Throws<DataFormatException>(() => WrenchSource.Open(dir.Path, "test").ReadAll());

        Assert.Equal(["ok", "42"], train.Text("text"));
        Assert.Equal(("b", "data.score", 3L), (error.RowId, error.Field, error.Line));
        Assert.Contains("expected a number", error.Message);
    }

    [Fact]
    public void Broken_label_json_is_named()
    {
        using var dir = new TempFolder();
        var path = dir.Write("label.json", """{"0": "a", "2": "c"}""");
        dir.Write("train.json", "{}");

        var error = Assert.Throws<DataFormatException>(() => WrenchSource.Open(dir.Path, "train"));

        Assert.Equal(path, error.File);
        Assert.Contains("1 is missing", error.Message);
    }

    [Fact]
    public void Csv_reads_named_columns_and_class_names_with_quotes_and_newlines()
    {
        using var dir = new TempFolder();
        var path = dir.Write("rows.csv", "id,body,views,category\nr1,\"hello, world\",3,SPAM\nr2,\"two\nlines\",,ham\nr3,plain,1.5,\n");
        var source = new CsvSource(path, new FieldMap(["body"], "category") { IdField = "id", NumberFields = ["views"], ClassNames = ["HAM", "SPAM"] });

        var all = source.ReadAll(batchSize: 2);

        Assert.Equal(["r1", "r2", "r3"], all.RowIds);
        Assert.Equal(["hello, world", "two\nlines", "plain"], all.Text("body"));
        Assert.Equal(3, all.Number("views")[0]);
        Assert.True(double.IsNaN(all.Number("views")[1]));
        Assert.Equal([1, 0, -1], all.Labels);
    }

    [Fact]
    public void Csv_errors_name_file_line_and_field()
    {
        using var dir = new TempFolder();
        var badLabel = dir.Write("a.csv", "text,label\nfine,1\n\"multi\nline\",0\nthird,7\n");
        var missingColumn = dir.Write("b.csv", "body,label\nx,1\n");
        var badNumber = dir.Write("c.csv", "text,n\nx,1\ny,abc\n");
        var ragged = dir.Write("d.csv", "text,label\nx,1\ny,0,extra\n");

        var e1 = Assert.Throws<DataFormatException>(() => new CsvSource(badLabel, FieldMap.Text("text", "label") with { ClassNames = ["a", "b"] }).ReadAll());
        var e2 = Assert.Throws<DataFormatException>(() => new CsvSource(missingColumn, FieldMap.Text("text", "label")).ReadAll());
        var e3 = Assert.Throws<DataFormatException>(() => new CsvSource(badNumber, FieldMap.Text() with { NumberFields = ["n"] }).ReadAll());
        var e4 = Assert.Throws<DataFormatException>(() => new CsvSource(ragged, FieldMap.Text("text", "label")).ReadAll());

        Assert.Equal((5L, "label", "2"), (e1.Line, e1.Field, e1.RowId));
        Assert.Contains("outside the 2 classes", e1.Message);
        Assert.Equal("text", e2.Field);
        Assert.Contains("'body'", e2.Message);
        Assert.Equal((3L, "n"), (e3.Line, e3.Field));
        Assert.Contains("'abc' is not a number", e3.Message);
        Assert.Equal(ragged, e4.File);
        Assert.Equal(3L, e4.Line);
    }

    [Fact]
    public void Jsonl_reads_fields_and_skips_blank_lines()
    {
        using var dir = new TempFolder();
        var path = dir.Write("rows.jsonl", "{\"t\": \"a\", \"y\": \"pos\", \"s\": 0.25}\n\n{\"t\": \"b\", \"y\": null, \"s\": \"2\"}\n{\"t\": \"c\", \"y\": 0}\n");
        var source = new JsonlSource(path, new FieldMap(["t"], "y") { NumberFields = ["s"], ClassNames = ["neg", "pos"] });

        var all = source.ReadAll();

        Assert.Equal(["a", "b", "c"], all.Text("t"));
        Assert.Equal([1, -1, 0], all.Labels);
        Assert.Equal(0.25, all.Number("s")[0]);
        Assert.Equal(2, all.Number("s")[1]);
        Assert.True(double.IsNaN(all.Number("s")[2]));
        Assert.Equal(["0", "1", "2"], all.RowIds);
    }

    [Fact]
    public void Jsonl_read_from_bytes_gives_each_shape_of_line_what_the_document_reader_gave()
    {
        // Well-formed lines are read straight from their bytes; each shape here must give what the document reader gave.
        using var dir = new TempFolder();
        var path = dir.Write("rows.jsonl", string.Join('\n',
            "{\"id\": \"a\", \"t\": \"caf\\u00e9 \\\"quoted\\\"\", \"s\": 0.25}",
            "{\"extra\": {\"nested\": [1, 2, {\"t\": \"not me\"}]}, \"t\": null, \"id\": 7, \"s\": null}",
            "  ",
            "{\"s\": \"2.5\", \"id\": \"c\", \"t\": \"number as text\"}",
            "{\"t\": \"no number\", \"id\": \"d\"}\r") + "\n");
        var rows = new JsonlSource(path, new FieldMap(["t"], null) { NumberFields = ["s"], IdField = "id" }).ReadAll();
        Assert.Equal(["a", "7", "c", "d"], rows.RowIds);
        Assert.Equal(["caf\u00e9 \"quoted\"", "", "number as text", "no number"], rows.Text("t"));
        Assert.Equal([0.25, double.NaN, 2.5, double.NaN], rows.Number("s"));

        // A byte order mark, Windows line ends, labels by name, index and null, a label given twice (the last counts).
        var labeled = dir.Write("labeled.jsonl", "\uFEFF{\"t\": \"a\", \"y\": \"pos\"}\r\n{\"y\": 0, \"t\": \"b\"}\r\n{\"t\": \"c\", \"y\": null}\r\n{\"y\": 0, \"t\": \"d\", \"y\": 1}\r\n");
        var labeledRows = new JsonlSource(labeled, new FieldMap(["t"], "y") { ClassNames = ["neg", "pos"] }).ReadAll();
        Assert.Equal(["a", "b", "c", "d"], labeledRows.Text("t"));
        Assert.Equal([1, 0, -1, 1], labeledRows.Labels);

        foreach (var (content, line, problem) in new[]
        {
            ("{\"id\": \"a\", \"t\": \"ok\"}\n{\"id\": \"b\", \"t\": 3}\n", 2L, "expected a string, found Number"),
            ("{\"id\": \"a\", \"t\": \"ok\"}\n{\"id\": \"b\"}\n", 2L, "missing"),
            ("{\"id\": \"a\", \"t\": \"ok\"} trailing\n", 1L, "not valid JSON"),
            ("[1, 2]\n", 1L, "each line must be a JSON object"),
        })
        {
            var bad = dir.Write($"bad-{line}-{problem.Length}.jsonl", content);
            var error = Assert.Throws<DataFormatException>(() => new JsonlSource(bad, new FieldMap(["t"], null) { IdField = "id" }).ReadAll());
            Assert.Equal(line, error.Line);
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{\"t\": \"a\"}\n{\"t\": 5}\n", 2, "t", "expected a string")]
    [InlineData("{\"t\": \"a\"}\n\n{\"x\": \"b\"}\n", 3, "t", "missing")]
    [InlineData("{\"t\": \"a\"}\n{\"t\": \"b\", \"y\": \"maybe\"}\n", 2, "y", "'maybe' is not a class")]
    [InlineData("{\"t\": \"a\"}\n{\"t\": \"b\",\n", 2, null, "not valid JSON")]
    [InlineData("[1, 2]\n", 1, null, "must be a JSON object")]
    public void Jsonl_errors_name_file_line_and_field(string content, long line, string? field, string problem)
    {
        using var dir = new TempFolder();
        var path = dir.Write("rows.jsonl", content);

        var error = Assert.Throws<DataFormatException>(() => new JsonlSource(path, new FieldMap(["t"], "y") { ClassNames = ["neg", "pos"] }).ReadAll());

        Assert.Equal(path, error.File);
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Content_hash_changes_with_bytes_and_with_how_the_file_is_read()
    {
        using var dir = new TempFolder();
        var path = dir.Write("rows.jsonl", "{\"t\": \"a\"}\n");
        var first = new JsonlSource(path, FieldMap.Text("t")).ContentHash();
        var same = new JsonlSource(path, FieldMap.Text("t")).ContentHash();
        var otherField = new JsonlSource(path, FieldMap.Text("t", "y")).ContentHash();
        File.AppendAllText(path, "{\"t\": \"b\"}\n");
        var changed = new JsonlSource(path, FieldMap.Text("t")).ContentHash();

        Assert.Equal(first, same);
        Assert.NotEqual(first, otherField);
        Assert.NotEqual(first, changed);
        Assert.Equal(64, first.Length);
    }

    [Fact]
    public void Youtube_wrench_folder_matches_its_readme()
    {
        var folder = SharedFolder.Dataset("youtube");
        var train = WrenchSource.Open(folder, "train").ReadAll();
        var test = WrenchSource.Open(folder, "test").ReadAll();

        Assert.Equal(1586, train.Count);
        Assert.Equal(250, test.Count);
        Assert.Equal(10, train.WeakLabels!.Programs);
        Assert.Equal(2, train.WeakLabels.Classes);
        Assert.DoesNotContain(DataBatch.NoLabel, test.Labels);
        Assert.Contains(train.WeakLabels.Column(0).ToArray(), v => v != LabelMatrix.Abstain);
    }
}
