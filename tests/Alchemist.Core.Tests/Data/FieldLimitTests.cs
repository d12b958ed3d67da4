using System.Text.Json;
using Alchemist.Data;
using Xunit;

namespace Alchemist.Core.Tests.Data;

/// <summary>
/// <see cref="FieldLimitSource"/>: text values over the limit are cut (never between the halves of a surrogate pair), counted
/// with their rows, and under <c>reject</c> their rows are marked, through batches, slices and a whole-split read.
/// </summary>
public sealed class FieldLimitTests
{
    [Fact]
    public void Values_over_the_limit_are_cut_counted_and_their_rows_marked_under_reject()
    {
        using var dir = new TempFolder();
        // 9 rows in batches of 4: rows 2 (title), 5 (body and title) and 8 (body) are over 10 characters.
        string[][] rows =
        [
            ["short", "t"], ["tiny", "t"], ["ok", "a title far too long"], ["x", "y"], ["y", "z"],
            ["0123456789ABC", "another long title"], ["a", "b"], ["c", "d"], ["012345678\U0001F600tail", "e"],
        ];
        var file = dir.Write("rows.jsonl", string.Join('\n', rows.Select((r, i) => JsonSerializer.Serialize(new { id = $"r{i}", body = r[0], title = r[1] }))) + "\n");
        var fields = new FieldMap(["body", "title"]) { IdField = "id" };
        var inner = Dataset.OpenFile(file, "jsonl", fields);

        var truncating = new FieldLimitSource(inner, new FieldLimit(10, OversizedFieldPolicy.Truncate));
        var rejecting = new FieldLimitSource(inner, new FieldLimit(10, OversizedFieldPolicy.Reject));
        Assert.Null(truncating.LastRead);
        var cut = truncating.ReadAll(batchSize: 4);
        var marked = rejecting.ReadAll(batchSize: 4);

        // Row 8's body is 9 characters, a surrogate pair and "tail": the 10-character cut would split the pair, so it keeps 9.
        Assert.Equal(["short", "tiny", "ok", "x", "y", "0123456789", "a", "c", "012345678"], cut.Text("body"));
        Assert.Equal(["t", "t", "a title fa", "y", "z", "another lo", "b", "d", "e"], cut.Text("title"));
        Assert.Null(cut.RejectedRows);
        Assert.Equal(cut.Text("body"), marked.Text("body"));
        Assert.Equal([2, 5, 8], marked.RejectedRows!);
        Assert.Equal([1, 4], marked.Slice(4, 5).RejectedRows!);
        Assert.Null(marked.Slice(6, 2).RejectedRows);

        var read = Assert.IsType<OversizedFields>(truncating.LastRead);
        Assert.Equal((4, 3), (read.Values, read.Rows));
        Assert.Equal(
            [new OversizedValue(2, "r2", "title", 20), new OversizedValue(5, "r5", "body", 13), new OversizedValue(5, "r5", "title", 18), new OversizedValue(8, "r8", "body", 15)],
            read.First);
        Assert.Same(read, truncating.Scan());
        Assert.NotEqual(inner.ContentHash(), truncating.ContentHash());
        Assert.NotEqual(truncating.ContentHash(), rejecting.ContentHash());
        Assert.Equal(truncating.ContentHash(), new FieldLimitSource(inner, new FieldLimit(10, OversizedFieldPolicy.Truncate)).ContentHash());
    }

    [Fact]
    public void A_source_with_nothing_over_the_limit_gives_its_own_batches_and_counts_nothing()
    {
        using var dir = new TempFolder();
        var file = dir.Write("rows.jsonl", "{\"text\": \"a\"}\n{\"text\": \"bb\"}\n");
        var inner = Dataset.OpenFile(file, "jsonl", FieldMap.Text());
        var limited = new FieldLimitSource(inner, FieldLimit.Default);

        var scanned = limited.Scan();

        Assert.Equal((0, 0), (scanned.Values, scanned.Rows));
        Assert.Empty(scanned.First);
        Assert.Equal(["a", "bb"], limited.ReadAll().Text("text"));
        Assert.Equal(1_000_000, FieldLimit.Default.MaxChars);
    }
}
