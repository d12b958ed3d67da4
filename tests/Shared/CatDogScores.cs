namespace Alchemist.Tests;

/// <summary>
/// Two classes described by two number features, catScore and dogScore, each 0.25 apart between the classes with standard
/// deviation 0.15 (catScore high for cats, class 0; dogScore for dogs, class 1): separable enough for threshold programs,
/// noisy enough that no single threshold is exact.
/// </summary>
public static class CatDogScores
{
    public static (double[][] Features, int[] Labels) Sample(Random random, int rows)
    {
        var labels = new int[rows];
        double[][] features = [new double[rows], new double[rows]];
        for (var r = 0; r < rows; r++)
        {
            labels[r] = random.Next(2);
            features[0][r] = Normal(random, labels[r] == 0 ? 0.6 : 0.35, 0.15);
            features[1][r] = Normal(random, labels[r] == 0 ? 0.35 : 0.6, 0.15);
        }

        return (features, labels);
    }

    private static double Normal(Random random, double mean, double deviation) =>
        mean + (deviation * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
