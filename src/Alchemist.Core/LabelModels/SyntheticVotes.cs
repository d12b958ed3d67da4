using System.Runtime.CompilerServices;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// A label matrix drawn from the model every label model here assumes: programs vote independently given the class.
/// Program j votes on a row with probability Coverage[j]; when it votes it is right with probability Accuracy[j], and
/// otherwise votes one of the other classes uniformly. Deterministic for a seed (each column has its own generator, so
/// columns are drawn in parallel with the same result).
/// </summary>
public sealed class SyntheticVotes
{
    private SyntheticVotes(LabelMatrix votes, int[] gold, double[] accuracy, double[] coverage)
    {
        Votes = votes;
        Gold = gold;
        Accuracy = accuracy;
        Coverage = coverage;
    }

    /// <summary>The drawn votes, rows x programs.</summary>
    public LabelMatrix Votes { get; }

    /// <summary>The class each row was drawn with.</summary>
    public int[] Gold { get; }

    /// <summary>The accuracy each program was drawn with.</summary>
    public double[] Accuracy { get; }

    /// <summary>The coverage each program was drawn with.</summary>
    public double[] Coverage { get; }

    /// <summary>
    /// Programs' accuracies uniform in [accuracyLow, accuracyHigh] and coverages uniform in [coverageLow, coverageHigh];
    /// classes drawn from <paramref name="classPrior"/> (uniform when null).
    /// </summary>
    public static SyntheticVotes Generate(int rows, int programs, int classes, int seed,
        double accuracyLow = 0.6, double accuracyHigh = 0.9, double coverageLow = 0.1, double coverageHigh = 0.5,
        IReadOnlyList<double>? classPrior = null)
    {
        var prior = classPrior?.ToArray() ?? Enumerable.Repeat(1.0 / classes, classes).ToArray();
        if (prior.Length != classes)
        {
            throw new ArgumentException($"the class prior has {prior.Length} entries for {classes} classes");
        }

        var parameters = new Random(seed);
        var accuracy = new double[programs];
        var coverage = new double[programs];
        for (var j = 0; j < programs; j++)
        {
            accuracy[j] = accuracyLow + (accuracyHigh - accuracyLow) * parameters.NextDouble();
            coverage[j] = coverageLow + (coverageHigh - coverageLow) * parameters.NextDouble();
        }

        var cumulative = new double[classes];
        var total = prior.Sum();
        var running = 0.0;
        for (var c = 0; c < classes; c++)
        {
            running += prior[c] / total;
            cumulative[c] = running;
        }

        var gold = new int[rows];
        var goldState = Seed(seed, -1);
        for (var r = 0; r < rows; r++)
        {
            var u = NextUnit(ref goldState);
            var c = 0;
            while (c < classes - 1 && u >= cumulative[c])
            {
                c++;
            }

            gold[r] = c;
        }

        var columns = new sbyte[programs][];
        Parallel.For(0, programs, j => columns[j] = DrawColumn(gold, classes, coverage[j] * accuracy[j], coverage[j], Seed(seed, j)));

        var names = Enumerable.Range(0, programs).Select(j => $"p{j}").ToArray();
        return new SyntheticVotes(LabelMatrix.FromColumns(rows, classes, names, columns), gold, accuracy, coverage);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static sbyte[] DrawColumn(int[] gold, int classes, double right, double cast, ulong state)
    {
        var column = new sbyte[gold.Length];
        for (var r = 0; r < column.Length; r++)
        {
            // One uniform draw decides all three outcomes: right vote, wrong vote, abstain.
            var u = NextUnit(ref state);
            if (u < right)
            {
                column[r] = (sbyte)gold[r];
            }
            else if (u < cast)
            {
                var wrong = classes == 2 ? 0 : (int)((u - right) / (cast - right) * (classes - 1));
                wrong = Math.Min(wrong, classes - 2);
                column[r] = (sbyte)(wrong >= gold[r] ? wrong + 1 : wrong);
            }
            else
            {
                column[r] = LabelMatrix.Abstain;
            }
        }

        return column;
    }

    /// <summary>Each program's accuracy on the rows where it votes, measured against the drawn gold labels.</summary>
    public double[] EmpiricalAccuracies()
    {
        var result = new double[Votes.Programs];
        for (var j = 0; j < Votes.Programs; j++)
        {
            var column = Votes.Column(j);
            long right = 0, cast = 0;
            for (var r = 0; r < column.Length; r++)
            {
                if (column[r] >= 0)
                {
                    cast++;
                    right += column[r] == Gold[r] ? 1 : 0;
                }
            }

            result[j] = cast == 0 ? double.NaN : right / (double)cast;
        }

        return result;
    }

    private static ulong Seed(int seed, int stream) => SplitMix((ulong)(uint)seed << 32 ^ (ulong)(uint)stream ^ 0x9E3779B97F4A7C15UL);

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>xorshift64* step, mapped to [0, 1) with 53 bits.</summary>
    private static double NextUnit(ref ulong state)
    {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return ((state * 0x2545F4914F6CDD1DUL) >> 11) * (1.0 / (1UL << 53));
    }
}
