using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// Combines the noisy, partly abstaining votes of a label matrix into class probabilities.
/// A label model never sees gold labels: <see cref="Fit"/> takes votes only.
/// </summary>
public interface ILabelModel
{
    /// <summary>Short name used on the command line and in reports (mv, wmv, ds, metal, fs).</summary>
    string Name { get; }

    void Fit(LabelMatrix votes, ClassBalance balance);

    /// <summary>Writes row-major class probabilities: <paramref name="probabilities"/> has votes.Rows x votes.Classes entries.</summary>
    void PredictProbabilities(LabelMatrix votes, Span<float> probabilities);

    /// <summary>Per program, the accuracy the model estimates from the votes alone (no gold). Valid after <see cref="Fit"/>.</summary>
    IReadOnlyList<double> EstimatedAccuracies { get; }
}

public enum ClassBalanceMode
{
    Uniform,
    Given,
    Estimated,
}

/// <summary>The prior over classes a label model assumes: uniform, given by the user, or estimated from the votes.</summary>
public sealed record ClassBalance(ClassBalanceMode Mode, IReadOnlyList<double>? Given = null)
{
    public static ClassBalance Uniform { get; } = new(ClassBalanceMode.Uniform);

    public static ClassBalance Estimated { get; } = new(ClassBalanceMode.Estimated);

    public static ClassBalance FromGiven(IReadOnlyList<double> prior) => new(ClassBalanceMode.Given, prior);
}
