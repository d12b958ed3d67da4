using System.Text;
using Alchemist.Data;
using Xunit;

namespace Alchemist.Core.Tests.Data;

/// <summary>Invalid UTF-8 in a data file is an error naming the file and line, in every format; a real U+FFFD is data.</summary>
public sealed class InvalidUtf8Tests : IDisposable
{
    private static readonly byte[] Invalid = [0xFF, 0xFE];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WriteBytes(string name, params object[] parts)
    {
        var path = Path.Combine(_folder.Path, name);
        File.WriteAllBytes(path, [.. parts.SelectMany(p => p is string s ? Encoding.UTF8.GetBytes(s) : (byte[])p)]);
        return path;
    }

    [Fact]
    public void Csv_jsonl_and_wrench_name_the_line_of_the_invalid_bytes()
    {
        var csv = WriteBytes("rows.csv", "text,label\nfine,a\nalso fine,b\nbad ", Invalid, " here,a\n");
        var jsonl = WriteBytes("rows.jsonl", "{\"text\": \"fine\", \"label\": \"a\"}\n{\"text\": \"bad ", Invalid, "\", \"label\": \"b\"}\n");
        var wrench = WriteBytes("train.json", "{\"0\": {\"data\": {\"text\": \"fine\"}, \"label\": 0, \"weak_labels\": []},\n \"1\": {\"data\": {\"text\": \"bad ", Invalid, "\"}, \"label\": 1, \"weak_labels\": []}}\n");

        var fromCsv = Assert.Throws<DataFormatException>(() => new CsvSource(csv, FieldMap.Text("text", "label") with { ClassNames = ["a", "b"] }).ReadAll());
        var fromJsonl = Assert.Throws<DataFormatException>(() => new JsonlSource(jsonl, FieldMap.Text("text", "label") with { ClassNames = ["a", "b"] }).ReadAll());
        var fromWrench = Assert.Throws<DataFormatException>(() => new WrenchSource(wrench, ["a", "b"]).ReadAll());

        Assert.Equal((4L, "not valid UTF-8 (save the file as UTF-8)"), (fromCsv.Line!.Value, fromCsv.Problem));
        Assert.Equal((2L, "not valid UTF-8 (save the file as UTF-8)"), (fromJsonl.Line!.Value, fromJsonl.Problem));
        Assert.Equal(2L, fromWrench.Line);
        Assert.Equal(("1", "data.text"), (fromWrench.RowId, fromWrench.Field));
    }

    [Fact]
    public void With_replace_every_format_reads_the_invalid_bytes_as_one_replacement_character_each_and_the_lines_are_counted()
    {
        // 0xFF and 0xFE are each an invalid sequence of their own: two U+FFFD, as any lenient UTF-8 decoder reads them.
        var csv = WriteBytes("rows.csv", "text,label\nfine,a\nbad ", Invalid, " here,a\n\"quoted, ", Invalid, "\",b\n");
        var jsonl = WriteBytes("rows.jsonl", "{\"text\": \"fine\", \"label\": \"a\"}\n{\"text\": \"bad ", Invalid, " \\\"escaped\\\"\", \"label\": \"b\"}\n");
        var wrench = WriteBytes("train.json", "{\"0\": {\"data\": {\"text\": \"fine\"}, \"label\": 0, \"weak_labels\": []},\n \"1\": {\"data\": {\"text\": \"bad ", Invalid, " \\u00e9\\n\"}, \"label\": 1, \"weak_labels\": []}}\n");
        var fields = FieldMap.Text("text", "label") with { ClassNames = ["a", "b"], ReplaceInvalidUtf8 = true };

        Assert.Equal(["fine", "bad \uFFFD\uFFFD here", "quoted, \uFFFD\uFFFD"], new CsvSource(csv, fields).ReadAll().Text("text"));
        Assert.Equal(["fine", "bad \uFFFD\uFFFD \"escaped\""], new JsonlSource(jsonl, fields).ReadAll().Text("text"));
        Assert.Equal(["fine", "bad \uFFFD\uFFFD \u00e9\n"], new WrenchSource(wrench, ["a", "b"]) { ReplaceInvalidUtf8 = true }.ReadAll().Text("text"));

        Assert.Equal((2L, 3L), Utf8Check.InvalidLines(csv));
        Assert.Equal((1L, 2L), Utf8Check.InvalidLines(jsonl));
        Assert.Equal((0L, (long?)null), Utf8Check.InvalidLines(WriteBytes("clean.csv", "text\nfine\n")));

        // Replacing changes what the rows say, so cached columns of the strict reading are not reused for it.
        Assert.NotEqual(new CsvSource(csv, fields with { ReplaceInvalidUtf8 = false }).ContentHash(), new CsvSource(csv, fields).ContentHash());
    }

    [Fact]
    public void A_real_replacement_character_and_a_character_cut_by_the_read_buffer_are_valid()
    {
        var csv = WriteBytes("rows.csv", "text,label\nsays \uFFFD on purpose,a\n");
        Assert.Equal("says \uFFFD on purpose", new CsvSource(csv, FieldMap.Text("text", "label") with { ClassNames = ["a", "b"] }).ReadAll().Text("text")[0]);

        // "é" is two bytes; put its first byte last in the scanner's 64 KiB buffer.
        var padding = new string('x', (1 << 16) - 1);
        var cut = WriteBytes("cut.txt", padding, "é\nnext line\n");
        Assert.Null(Utf8Check.FirstInvalidLine(cut));
        var bad = WriteBytes("bad.txt", "one\ntwo\nthree ", Invalid, "\n");
        Assert.Equal(3, Utf8Check.FirstInvalidLine(bad));
    }
}
