namespace Alchemist.Evaluation;

/// <summary>
/// How far candidate a leads candidate b on the same labeled rows, in the metric's units, with the standard error of that
/// lead. Both are judged on the same rows and mostly agree, so the paired difference has a far smaller standard error than
/// either score. Choices on valid replace a default only when the lead exceeds a few standard errors: on a valid split of a
/// few hundred rows candidates are often a row or two apart, and picking the best there mostly picks noise.
/// </summary>
/// <param name="Metric">The metric both were judged by.</param>
/// <param name="Lead">a's score minus b's, in the metric's units; negative when b is ahead.</param>
/// <param name="StandardError">Standard error of <paramref name="Lead"/> over the rows.</param>
/// <param name="Rows">Labeled rows both were judged on.</param>
public readonly record struct PairedLead(EvaluationMetric Metric, double Lead, double StandardError, int Rows)
{
    /// <summary>
    /// How many standard errors a candidate must lead the default by to replace it, in every choice made on valid (docs/architecture.md,
    /// "Choosing on valid"): two, so that a candidate no better than the default replaces it about one time in forty.
    /// </summary>
    public const double RequiredStandardErrors = 2;

    /// <summary>Resamples of the bootstrap that gives macro-F1's standard error; 500 put it within about 3 % of itself.</summary>
    public const int BootstrapResamples = 500;

    /// <summary>The lead in rows (accuracy only): how many more rows a gets right than b.</summary>
    public int LeadRows => Metric == EvaluationMetric.Accuracy ? (int)Math.Round(Lead * Rows) : throw new InvalidOperationException("a macro-F1 lead is not a count of rows");

    /// <summary>The standard error in rows (accuracy only).</summary>
    public double StandardErrorRows => Metric == EvaluationMetric.Accuracy ? StandardError * Rows : throw new InvalidOperationException("a macro-F1 lead is not a count of rows");

    /// <summary>Rows only a gets right (accuracy only).</summary>
    public int Wins { get; init; }

    /// <summary>Rows only b gets right (accuracy only).</summary>
    public int Losses { get; init; }

    /// <summary>The lead of b over a.</summary>
    public PairedLead Reversed => this with { Lead = -Lead, Wins = Losses, Losses = Wins };

    /// <summary>
    /// Whether a leads by more than <paramref name="standardErrors"/> standard errors (never when it cannot be judged; any
    /// lead at all for zero). For accuracy the lead is judged exactly: a sign test on the rows where only one side is right
    /// (McNemar's exact test) at the one-sided level that many standard errors of a normal leave (1: 0.159, 2: 0.023). With
    /// few such rows the normal approximation overstates a lead: 2 rows right against 0 is 1.4 standard errors by it, while
    /// a fair coin does as well one time in four. With many rows the two agree.
    /// </summary>
    public bool Exceeds(double standardErrors)
    {
        if (double.IsNaN(StandardError) || Lead <= 0)
        {
            return false;
        }

        if (standardErrors <= 0)
        {
            return true;
        }

        return Metric == EvaluationMetric.Accuracy
            ? SignTestPValue(Wins, Losses) < NormalUpperTail(standardErrors)
            : Lead > standardErrors * StandardError;
    }

    /// <summary>One-sided exact sign test: the chance of at least <paramref name="wins"/> of <paramref name="wins"/> + <paramref name="losses"/> fair coin flips.</summary>
    public static double SignTestPValue(int wins, int losses)
    {
        var n = wins + losses;
        if (n == 0)
        {
            return 1;
        }

        // log P(X = k) = log C(n, k) - n log 2, summed from k = wins up in log space (n may be thousands).
        var logPmf = -n * Math.Log(2);
        for (var k = 1; k <= wins; k++)
        {
            logPmf += Math.Log((n - k + 1) / (double)k);
        }

        var tail = 0.0;
        for (var k = wins; k <= n; k++)
        {
            tail += Math.Exp(logPmf);
            logPmf += Math.Log((n - k) / (double)(k + 1));
        }

        return Math.Min(1, tail);
    }

    /// <summary>P(Z &gt; z) for a standard normal (Abramowitz and Stegun 26.2.17, within 7.5e-8).</summary>
    public static double NormalUpperTail(double z)
    {
        if (z < 0)
        {
            return 1 - NormalUpperTail(-z);
        }

        var t = 1 / (1 + (0.2316419 * z));
        var polynomial = t * (0.319381530 + (t * (-0.356563782 + (t * (1.781477937 + (t * (-1.821255978 + (t * 1.330274429))))))));
        return Math.Exp(-z * z / 2) / Math.Sqrt(2 * Math.PI) * polynomial;
    }

    /// <summary>The lead for a reader: "4 valid rows (5 right only by it, 1 only by the other; one standard error is 2.4 rows)" or "0.031 macro-F1 (one standard error is 0.012)".</summary>
    public string Describe() => Metric == EvaluationMetric.Accuracy
        ? $"{(LeadRows == 1 ? "1 valid row" : $"{LeadRows} valid rows")} ({Wins} right only by it, {Losses} only by the other; one standard error is {StandardErrorRows:0.0} rows)"
        : $"{Lead:0.000} macro-F1 (one standard error is {StandardError:0.000})";

    /// <summary>
    /// The lead of <paramref name="a"/> over <paramref name="b"/> on the rows with gold (gold &gt;= 0). For accuracy the standard
    /// error is that of the mean paired per-row difference (+1, -1 or 0); macro-F1 is not a mean over rows, so its standard
    /// error comes from a paired bootstrap with a fixed seed (the same resamples for both sides), and the result is the same on
    /// every run. NaN when fewer than two rows are labeled.
    /// </summary>
    public static PairedLead Of(EvaluationMetric metric, ReadOnlySpan<int> a, ReadOnlySpan<int> b, ReadOnlySpan<int> gold, int classes)
    {
        if (a.Length != gold.Length || b.Length != gold.Length)
        {
            throw new ArgumentException($"{a.Length} and {b.Length} predictions for {gold.Length} gold labels: both sides must predict every row");
        }

        var labeled = new List<int>(gold.Length);
        for (var r = 0; r < gold.Length; r++)
        {
            if (gold[r] >= 0)
            {
                labeled.Add(r);
            }
        }

        // A worst-group lead is an accuracy lead on the rows the caller kept (the worst group's: see ValidChoice).
        return metric != EvaluationMetric.MacroF1 ? AccuracyLead(a, b, gold, labeled) : MacroF1Lead(a, b, gold, classes, labeled);
    }

    private static PairedLead AccuracyLead(ReadOnlySpan<int> a, ReadOnlySpan<int> b, ReadOnlySpan<int> gold, List<int> labeled)
    {
        var rows = labeled.Count;
        var aOnly = 0;
        var bOnly = 0;
        foreach (var r in labeled)
        {
            var aRight = a[r] == gold[r];
            var bRight = b[r] == gold[r];
            aOnly += aRight && !bRight ? 1 : 0;
            bOnly += bRight && !aRight ? 1 : 0;
        }

        if (rows < 2)
        {
            return new PairedLead(EvaluationMetric.Accuracy, rows == 0 ? 0 : (aOnly - bOnly) / (double)rows, double.NaN, rows) { Wins = aOnly, Losses = bOnly };
        }

        // Sample variance of the per-row difference; the standard error of its mean is sqrt(variance / rows).
        var mean = (aOnly - bOnly) / (double)rows;
        var variance = ((aOnly + bOnly) - (rows * mean * mean)) / (rows - 1);
        return new PairedLead(EvaluationMetric.Accuracy, mean, Math.Sqrt(variance / rows), rows) { Wins = aOnly, Losses = bOnly };
    }

    private static PairedLead MacroF1Lead(ReadOnlySpan<int> a, ReadOnlySpan<int> b, ReadOnlySpan<int> gold, int classes, List<int> labeled)
    {
        var rows = labeled.Count;
        var counts = new long[5 * classes];
        var lead = MacroF1Difference(a, b, gold, classes, labeled, counts, random: null);
        if (rows < 2)
        {
            return new PairedLead(EvaluationMetric.MacroF1, lead, double.NaN, rows);
        }

        var random = new Random(20241206);
        double sum = 0, sumOfSquares = 0;
        for (var i = 0; i < BootstrapResamples; i++)
        {
            var difference = MacroF1Difference(a, b, gold, classes, labeled, counts, random);
            sum += difference;
            sumOfSquares += difference * difference;
        }

        var meanDifference = sum / BootstrapResamples;
        var variance = Math.Max(0, (sumOfSquares - (BootstrapResamples * meanDifference * meanDifference)) / (BootstrapResamples - 1));
        return new PairedLead(EvaluationMetric.MacroF1, lead, Math.Sqrt(variance), rows);
    }

    /// <summary>Macro-F1 of a minus that of b, on the labeled rows, or on a resample of them with replacement when <paramref name="random"/> is given.</summary>
    private static double MacroF1Difference(ReadOnlySpan<int> a, ReadOnlySpan<int> b, ReadOnlySpan<int> gold, int classes, List<int> labeled, long[] counts, Random? random)
    {
        Array.Clear(counts);
        var goldCount = counts.AsSpan(0, classes);
        var aRight = counts.AsSpan(classes, classes);
        var aPredicted = counts.AsSpan(2 * classes, classes);
        var bRight = counts.AsSpan(3 * classes, classes);
        var bPredicted = counts.AsSpan(4 * classes, classes);
        for (var i = 0; i < labeled.Count; i++)
        {
            var r = labeled[random is null ? i : random.Next(labeled.Count)];
            var g = gold[r];
            goldCount[g]++;
            aPredicted[a[r]]++;
            bPredicted[b[r]]++;
            aRight[g] += a[r] == g ? 1 : 0;
            bRight[g] += b[r] == g ? 1 : 0;
        }

        var difference = 0.0;
        for (var c = 0; c < classes; c++)
        {
            difference += F1(aRight[c], goldCount[c], aPredicted[c]) - F1(bRight[c], goldCount[c], bPredicted[c]);
        }

        return difference / classes;
    }

    /// <summary>As <see cref="ClassificationMetrics.Compute"/> scores a class: 0 when it is neither in gold nor predicted.</summary>
    private static double F1(long right, long gold, long predicted) => gold + predicted == 0 ? 0 : 2.0 * right / (gold + predicted);
}
