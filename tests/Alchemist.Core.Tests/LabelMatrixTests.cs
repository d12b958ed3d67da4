using Alchemist.Labeling;
using Xunit;

namespace Alchemist.Core.Tests;

public class LabelMatrixTests
{
    [Fact]
    public void New_matrix_abstains_everywhere_and_columns_are_independent()
    {
        var matrix = new LabelMatrix(3, 2, ["a", "b"]);
        matrix[1, 0] = 1;
        Assert.Equal(new sbyte[] { -1, 1, -1 }, matrix.Column(0).ToArray());
        Assert.Equal(new sbyte[] { -1, -1, -1 }, matrix.Column(1).ToArray());
    }

    [Fact]
    public void Columns_of_the_wrong_length_are_refused_with_the_program_name()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            LabelMatrix.FromColumns(3, 2, ["good", "short"], [new sbyte[3], new sbyte[2]]));
        Assert.Contains("short", error.Message);
    }

    [Fact]
    public void Selected_rows_keep_every_program_in_the_order_given_and_are_a_copy()
    {
        var matrix = LabelMatrix.FromColumns(4, 3, ["a", "b"], [[0, 1, 2, -1], [-1, -1, 1, 0]]);
        var selected = matrix.SelectRows([3, 1]);
        Assert.Equal(2, selected.Rows);
        Assert.Equal(["a", "b"], selected.ProgramNames);
        Assert.Equal(new sbyte[] { -1, 1 }, selected.Column(0).ToArray());
        Assert.Equal(new sbyte[] { 0, -1 }, selected.Column(1).ToArray());
        selected[0, 0] = 2;
        Assert.Equal(-1, matrix[3, 0]);
    }
}
