using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

public sealed class ColumnBuilderTests
{
    [Fact]
    public void The_expected_rows_array_is_the_column_itself_when_every_row_came()
    {
        var builder = new ColumnBuilder(expectedRows: 5);
        builder.Write(3, [1, 0]);
        builder.Write(0, [0]);
        var column = builder.ToArray(5);
        Assert.Equal(new sbyte[] { 0, LabelMatrix.Abstain, LabelMatrix.Abstain, 1, 0 }, column);
    }

    [Fact]
    public void Rows_past_the_expected_count_go_on_in_blocks_and_none_is_lost()
    {
        // 3 rows expected, 70,000 come (the file grew): a write across the end, then rows past one 65,536-row block.
        var builder = new ColumnBuilder(expectedRows: 3);
        builder.Write(1, [1, 1, 0, 0]);
        builder.Write(65_540, [1]);
        var column = builder.ToArray(70_000);
        Assert.Equal(70_000, column.Length);
        Assert.Equal(new sbyte[] { LabelMatrix.Abstain, 1, 1, 0, 0, LabelMatrix.Abstain }, column[..6]);
        Assert.Equal(1, column[65_540]);
        Assert.Equal(70_000 - 5, column.Count(v => v == LabelMatrix.Abstain));
    }

    [Fact]
    public void Fewer_rows_than_expected_give_a_column_of_the_rows_that_came()
    {
        var builder = new ColumnBuilder(expectedRows: 4);
        builder.Write(0, [1, 0]);
        Assert.Equal(new sbyte[] { 1, 0 }, builder.ToArray(2));
    }

    [Fact]
    public void Without_an_expected_count_blocks_hold_every_row()
    {
        var builder = new ColumnBuilder();
        builder.Write(65_535, [1, 0]);
        var column = builder.ToArray(65_538);
        Assert.Equal(new sbyte[] { 1, 0, LabelMatrix.Abstain }, column[65_535..]);
        Assert.Equal(65_536, column.Count(v => v == LabelMatrix.Abstain));
    }
}
