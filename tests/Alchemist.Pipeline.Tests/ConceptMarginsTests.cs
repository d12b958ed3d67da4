using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>The threshold programs of an image task read each pair of concept scores' difference over the length of the image's scores.</summary>
public sealed class ConceptMarginsTests
{
    [Fact]
    public void A_relative_difference_is_the_difference_over_the_length_of_every_score_and_missing_where_it_cannot_be_one()
    {
        double[] first = [3, 1, 0, double.NaN];
        double[] second = [4, 2, 0, 1];
        double[] third = [0, 2, 0, 0];

        var column = ConceptMargins.RelativeDifference(first, second, [first, second, third]);

        Assert.Equal(-0.2, column[0], 15);          // (3 - 4) / sqrt(9 + 16 + 0) = -1 / 5
        Assert.Equal(-1.0 / 3, column[1], 15);      // (1 - 2) / sqrt(1 + 4 + 4) = -1 / 3
        Assert.True(double.IsNaN(column[2]));       // every score zero: 0 / 0
        Assert.True(double.IsNaN(column[3]));       // a missing score
    }

    [Fact]
    public void Shrinking_every_score_of_an_image_by_one_factor_leaves_its_relative_differences_as_they_were()
    {
        // What a light background does to the toy encoder's scores: every cosine shrinks by the same factor (a power of two
        // here, so the check can be exact).
        double[][] scores = [[72.45, -1.24], [94.12, 48.12], [-11.81, 70.53], [74.28, 84.86]];
        double[][] halved = [.. scores.Select(c => c.Select(v => v / 2).ToArray())];

        var plain = ConceptMargins.RelativeDifference(scores[0], scores[2], scores);
        var shrunk = ConceptMargins.RelativeDifference(halved[0], halved[2], halved);

        Assert.Equal(plain, shrunk);
        Assert.Equal((72.45 + 11.81) / Math.Sqrt((72.45 * 72.45) + (94.12 * 94.12) + (11.81 * 11.81) + (74.28 * 74.28)), plain[0], 15);
    }

    [Fact]
    public void The_fruit_examples_threshold_inputs_are_every_pair_of_its_four_concepts_as_an_expression_over_the_scores()
    {
        var spec = SpecReader.Load(Path.Combine(SharedFolder.RepositoryRoot, "examples", "fruit-ripeness"));

        var inputs = ConceptMargins.ThresholdInputs(spec);

        Assert.Equal(
            ["red_minus_orange_relative", "red_minus_green_relative", "red_minus_yellow_relative", "orange_minus_green_relative", "orange_minus_yellow_relative", "green_minus_yellow_relative"],
            inputs.Select(i => i.Name));
        Assert.Equal(
            "((row.Red_score - row.Orange_score) / Math.Sqrt(row.Red_score * row.Red_score + row.Orange_score * row.Orange_score + row.Green_score * row.Green_score + row.Yellow_score * row.Yellow_score))",
            inputs[0].Member);
    }
}
