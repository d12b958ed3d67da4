using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// Combines the noisy, partly abstaining votes of a label matrix into class probabilities.
/// A label model never sees gold labels: <see cref="Fit"/> takes votes only.
/// </summary>
public interface ILabelModel
{
    /// <summary>Short name used on the command line and in reports (mv, wmv, ds, ds-votes, metal, fs).</summary>
    string Name { get; }

    /// <summary>
    /// Fits the model to <paramref name="votes"/> (rows x programs, no gold) under the class prior <paramref name="balance"/>
    /// describes; fitting again starts afresh.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The votes do not match what the model was set up with, or a given balance has another number of classes.
    /// </exception>
    void Fit(LabelMatrix votes, ClassBalance balance);

    /// <summary>Writes row-major class probabilities: <paramref name="probabilities"/> has votes.Rows x votes.Classes entries.</summary>
    void PredictProbabilities(LabelMatrix votes, Span<float> probabilities);

    /// <summary>Per program, the accuracy the model estimates from the votes alone (no gold). Valid after <see cref="Fit"/>.</summary>
    IReadOnlyList<double> EstimatedAccuracies { get; }

    /// <summary>The class prior the fitted model uses (given, uniform or estimated); rows without votes get exactly this.</summary>
    IReadOnlyList<double> ClassPrior { get; }

    /// <summary>
    /// Decisions that shape the output and that a report should show: the tie rule, how rows without votes are labelled,
    /// iterations and convergence, fallbacks taken. One short sentence each.
    /// </summary>
    IReadOnlyList<string> Notes { get; }
}

/// <summary>A label model that can be fitted from <see cref="LabelStatistics"/> merged over shards, without the rows.</summary>
internal interface IStatisticsLabelModel : ILabelModel
{
    /// <summary>Fits from statistics merged over shards of rows, with the same result as fitting on those rows' votes.</summary>
    /// <exception cref="ArgumentException">
    /// The model needs the overlap matrix and <paramref name="statistics"/> were computed without it.
    /// </exception>
    void Fit(LabelStatistics statistics, ClassBalance balance);
}

/// <summary>Where a <see cref="ClassBalance"/> takes its class prior from.</summary>
public enum ClassBalanceMode
{
    /// <summary>Every class equally likely.</summary>
    Uniform,

    /// <summary>The weights in <see cref="ClassBalance.Given"/>, one per class, normalized to sum to one.</summary>
    Given,

    /// <summary>
    /// From the votes: each class's share of the rows whose majority vote it wins outright, with one pseudo-row per class.
    /// </summary>
    Estimated,
}

/// <summary>The prior over classes a label model assumes: uniform, given by the user, or estimated from the votes.</summary>
public sealed record ClassBalance(ClassBalanceMode Mode, IReadOnlyList<double>? Given = null)
{
    /// <summary>Every class equally likely.</summary>
    public static ClassBalance Uniform { get; } = new(ClassBalanceMode.Uniform);

    /// <summary>The prior estimated from the votes (<see cref="ClassBalanceMode.Estimated"/>).</summary>
    public static ClassBalance Estimated { get; } = new(ClassBalanceMode.Estimated);

    /// <summary>
    /// A prior given as one positive, finite weight per class; the weights need not sum to one (checked when resolved).
    /// </summary>
    public static ClassBalance FromGiven(IReadOnlyList<double> prior) => new(ClassBalanceMode.Given, prior);

    /// <summary>
    /// The class shares of gold labels (negative entries are unlabeled and skipped), with one pseudo-count per class so that a
    /// class absent from the gold keeps a positive prior.
    /// </summary>
    public static ClassBalance FromGold(IReadOnlyList<int> gold, int classes) => FromGiven(GoldShares(gold, classes));

    /// <inheritdoc cref="FromGold"/>
    public static double[] GoldShares(IReadOnlyList<int> gold, int classes)
    {
        var counts = Evaluation.ClassCollapse.Counts(gold is int[] array ? array : [.. gold], classes, out var labeled);
        return [.. counts.Select(c => (c + 1) / (labeled + classes))];
    }

    /// <summary>
    /// The prior as an array of <paramref name="classes"/> probabilities. Estimated balance is the share of rows whose
    /// majority vote has a unique winner (<paramref name="majorityWinners"/>, per class), with one pseudo-row per class so
    /// that no class gets probability zero.
    /// </summary>
    public double[] Resolve(int classes, IReadOnlyList<long>? majorityWinners)
    {
        var prior = new double[classes];
        switch (Mode)
        {
            case ClassBalanceMode.Uniform:
                Array.Fill(prior, 1.0 / classes);
                break;
            case ClassBalanceMode.Given:
                if (Given is null || Given.Count != classes)
                {
                    throw new ArgumentException($"the given class balance has {Given?.Count ?? 0} entries but the label matrix has {classes} classes");
                }

                var sum = 0.0;
                for (var c = 0; c < classes; c++)
                {
                    if (!(Given[c] > 0) || double.IsInfinity(Given[c]))
                    {
                        throw new ArgumentException($"the given class balance has entry {c} = {Given[c]}; every class needs a positive, finite weight");
                    }

                    sum += Given[c];
                }

                for (var c = 0; c < classes; c++)
                {
                    prior[c] = Given[c] / sum;
                }

                break;
            case ClassBalanceMode.Estimated:
                ArgumentNullException.ThrowIfNull(majorityWinners);
                var total = 0.0;
                for (var c = 0; c < classes; c++)
                {
                    prior[c] = majorityWinners[c] + 1.0;
                    total += prior[c];
                }

                for (var c = 0; c < classes; c++)
                {
                    prior[c] /= total;
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "unknown class balance mode");
        }

        return prior;
    }

    /// <summary>The balance as notes and reports show it: "uniform", "estimated", or "given [0.2, 0.8]".</summary>
    public override string ToString() => Mode switch
    {
        ClassBalanceMode.Given => $"given [{string.Join(", ", Given!.Select(p => p.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)))}]",
        _ => Mode.ToString().ToLowerInvariant(),
    };
}
