using Alchemist.Labeling;

namespace Alchemist.Evaluation;

/// <summary>Accuracy, macro-F1 and per-class F1 of hard predictions against gold labels.</summary>
/// <param name="Classes">Number of classes.</param>
/// <param name="Rows">Rows scored: those with a gold label (gold &gt;= 0).</param>
/// <param name="Accuracy">Share of scored rows predicted right.</param>
/// <param name="MacroF1">Mean over classes of each class's F1.</param>
/// <param name="F1PerClass">Each class's F1, by class index.</param>
/// <param name="Confusion">[gold * Classes + predicted] counts.</param>
public sealed record ClassificationMetrics(int Classes, int Rows, double Accuracy, double MacroF1, IReadOnlyList<double> F1PerClass, IReadOnlyList<long> Confusion)
{
    /// <summary>F1 of class 1, the usual positive class of a binary task.</summary>
    public double F1Class1 => Classes > 1 ? F1PerClass[1] : double.NaN;

    /// <summary>Rows of class <paramref name="c"/> in gold.</summary>
    public long Support(int c)
    {
        long total = 0;
        for (var o = 0; o < Classes; o++)
        {
            total += Confusion[(c * Classes) + o];
        }

        return total;
    }

    /// <summary>Rows predicted as class <paramref name="c"/>.</summary>
    public long PredictedCount(int c)
    {
        long total = 0;
        for (var g = 0; g < Classes; g++)
        {
            total += Confusion[(g * Classes) + c];
        }

        return total;
    }

    /// <summary>Share of the rows predicted as <paramref name="c"/> that are of class c; 0 when none is predicted (as scikit-learn's zero_division=0).</summary>
    public double Precision(int c) => PredictedCount(c) == 0 ? 0 : Confusion[(c * Classes) + c] / (double)PredictedCount(c);

    /// <summary>Share of the rows of class <paramref name="c"/> predicted as c; 0 when gold has none.</summary>
    public double Recall(int c) => Support(c) == 0 ? 0 : Confusion[(c * Classes) + c] / (double)Support(c);

    /// <summary>
    /// Scores <paramref name="predicted"/> against <paramref name="gold"/>. Rows whose gold label is negative (unlabelled)
    /// are skipped. A class that never occurs in gold or predictions has F1 0 and still counts in the macro average,
    /// as scikit-learn does with labels given explicitly.
    /// </summary>
    public static ClassificationMetrics Compute(ReadOnlySpan<int> gold, ReadOnlySpan<int> predicted, int classes)
    {
        if (gold.Length != predicted.Length)
        {
            throw new ArgumentException($"{gold.Length} gold labels but {predicted.Length} predictions");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        var confusion = new long[classes * classes];
        var rows = 0;
        var correct = 0;
        for (var r = 0; r < gold.Length; r++)
        {
            if (gold[r] < 0)
            {
                continue;
            }

            if (gold[r] >= classes || predicted[r] < 0 || predicted[r] >= classes)
            {
                throw new ArgumentException($"row {r}: gold {gold[r]} or prediction {predicted[r]} is outside 0..{classes - 1}");
            }

            rows++;
            correct += gold[r] == predicted[r] ? 1 : 0;
            confusion[gold[r] * classes + predicted[r]]++;
        }

        var f1 = new double[classes];
        for (var c = 0; c < classes; c++)
        {
            long truePositive = confusion[c * classes + c], goldCount = 0, predictedCount = 0;
            for (var o = 0; o < classes; o++)
            {
                goldCount += confusion[c * classes + o];
                predictedCount += confusion[o * classes + c];
            }

            f1[c] = goldCount + predictedCount == 0 ? 0 : 2.0 * truePositive / (goldCount + predictedCount);
        }

        return new ClassificationMetrics(classes, rows, rows == 0 ? double.NaN : correct / (double)rows, f1.Average(), f1, confusion);
    }

    /// <summary>
    /// Mean negative log-probability of the gold class over the rows with gold (row-major probabilities, each row renormalised),
    /// each probability floored at 0.001 so that one confident mistake cannot outweigh the rest; NaN without gold rows.
    /// </summary>
    public static double LogLoss(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> gold, int classes)
    {
        double total = 0;
        var rows = 0;
        for (var r = 0; r < gold.Length; r++)
        {
            if (gold[r] < 0)
            {
                continue;
            }

            var sum = 0.0;
            for (var c = 0; c < classes; c++)
            {
                sum += probabilities[(r * classes) + c];
            }

            var p = sum > 0 ? probabilities[(r * classes) + gold[r]] / sum : 1.0 / classes;
            total -= Math.Log(Math.Max(p, 0.001));
            rows++;
        }

        return rows == 0 ? double.NaN : total / rows;
    }

    /// <summary>
    /// Hard labels from row-major probabilities: the arg-max. Exact ties (for example a majority-vote tie split evenly, or
    /// a row without votes under a uniform prior) go to one of the tied classes chosen by a fixed hash of the row index, as
    /// WRENCH does, so that ties favour no class and the result is the same on every run.
    /// </summary>
    public static int[] ArgMax(ReadOnlySpan<float> probabilities, int classes) => ArgMax(probabilities, classes, 0);

    /// <summary>
    /// <see cref="ArgMax(ReadOnlySpan{float}, int)"/> for rows that begin at row <paramref name="firstRow"/> of their split:
    /// ties are broken by the row's place in the split, so a split labeled batch by batch gets the labels it gets whole.
    /// </summary>
    public static int[] ArgMax(ReadOnlySpan<float> probabilities, int classes, long firstRow)
    {
        if (probabilities.Length % classes != 0)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities do not divide into rows of {classes} classes");
        }

        var labels = new int[probabilities.Length / classes];
        for (var r = 0; r < labels.Length; r++)
        {
            var row = probabilities.Slice(r * classes, classes);
            var best = 0;
            var tied = 1;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                    tied = 1;
                }
                else if (row[c] == row[best])
                {
                    tied++;
                }
            }

            if (tied > 1)
            {
                var pick = (int)(TieHash((uint)(firstRow + r)) % (uint)tied);
                for (var c = 0; c < classes; c++)
                {
                    if (row[c] == row[best] && pick-- == 0)
                    {
                        best = c;
                        break;
                    }
                }
            }

            labels[r] = best;
        }

        return labels;
    }

    /// <summary>A fixed integer mix (the murmur3 finaliser) of the row index.</summary>
    public static uint TieHash(uint row)
    {
        row ^= row >> 16;
        row *= 0x85ebca6b;
        row ^= row >> 13;
        row *= 0xc2b2ae35;
        row ^= row >> 16;
        return row;
    }

    /// <summary>Share of rows where at least one program votes.</summary>
    public static double Coverage(LabelMatrix votes)
    {
        if (votes.Rows == 0)
        {
            return double.NaN;
        }

        var covered = new bool[votes.Rows];
        for (var j = 0; j < votes.Programs; j++)
        {
            var column = votes.Column(j);
            for (var r = 0; r < column.Length; r++)
            {
                covered[r] |= column[r] >= 0;
            }
        }

        return covered.Count(c => c) / (double)votes.Rows;
    }
}
