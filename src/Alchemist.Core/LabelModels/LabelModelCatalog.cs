using Alchemist.Evaluation;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>The label models by their command-line names, and the <c>auto</c> selector.</summary>
public static class LabelModelCatalog
{
    /// <summary>The name of the <see cref="AutoLabelModel"/> selector, which is not a model of its own.</summary>
    public const string Auto = "auto";

    /// <summary>Model names in catalog order; majority vote comes first, so it wins every tie in <see cref="AutoLabelModel"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mv", "wmv", "ds", "ds-votes", "metal", "fs"];

    internal static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        ["mv"] = "majority vote; ties split by the class prior, rows without votes get the prior",
        ["wmv"] = "weighted majority vote, weights from accuracies estimated without gold",
        ["ds"] = "Dawid-Skene EM with class-conditional confusion matrices (abstain as an output)",
        ["ds-votes"] = "Dawid-Skene EM whose posteriors count only the votes cast (abstains carry no evidence, as in Snorkel)",
        ["metal"] = "Snorkel-style matrix completion on the overlap matrix (MeTaL)",
        ["fs"] = "FlyingSquid triplet method, one-vs-rest for many classes",
        [Auto] = "fits every model on train; keeps majority vote unless another leads it on valid by more than two standard errors without leaving out a class",
    };

    /// <summary>A fresh, unfitted model. For <c>auto</c> use <see cref="CreateAuto"/>, which needs the valid split.</summary>
    public static LabelModelBase Create(string name, int maxDegreeOfParallelism = -1) => name switch
    {
        "mv" => new MajorityVote { MaxDegreeOfParallelism = maxDegreeOfParallelism },
        "wmv" => new WeightedMajorityVote { MaxDegreeOfParallelism = maxDegreeOfParallelism },
        "ds" => new DawidSkene { MaxDegreeOfParallelism = maxDegreeOfParallelism },
        "ds-votes" => new DawidSkene { AbstainsAreEvidence = false, MaxDegreeOfParallelism = maxDegreeOfParallelism },
        "metal" => new MatrixCompletion { MaxDegreeOfParallelism = maxDegreeOfParallelism },
        "fs" => new FlyingSquid { MaxDegreeOfParallelism = maxDegreeOfParallelism },
        Auto => throw new ArgumentException("'auto' needs the valid split's votes and gold labels: use LabelModelCatalog.CreateAuto"),
        _ => throw new ArgumentException($"unknown label model '{name}'; known: {string.Join(", ", Names)}, {Auto}"),
    };

    /// <summary>
    /// An unfitted <c>auto</c> selector that will judge the catalog's models on the valid split's votes and gold labels.
    /// </summary>
    /// <param name="validVotes">
    /// The valid split's votes, with the same programs and classes as the votes it will be fitted on.
    /// </param>
    /// <param name="validGold">The valid split's gold class per row, negative where a row has none.</param>
    /// <param name="metric">What the candidates are judged by.</param>
    /// <param name="maxDegreeOfParallelism">Threads for fitting and prediction; -1 uses every core.</param>
    /// <param name="classNames">Names for the classes in notes and warnings; null says "class 2".</param>
    /// <exception cref="ArgumentException">The gold labels do not match the votes' rows, or none is present.</exception>
    /// <param name="validGroups">Each valid row's group, for <see cref="EvaluationMetric.WorstGroup"/>; null without groups.</param>
    public static AutoLabelModel CreateAuto(LabelMatrix validVotes, IReadOnlyList<int> validGold, EvaluationMetric metric, int maxDegreeOfParallelism = -1, IReadOnlyList<string>? classNames = null, IReadOnlyList<string>? validGroups = null) =>
        new(validVotes, validGold) { Metric = metric, MaxDegreeOfParallelism = maxDegreeOfParallelism, ClassNames = classNames, ValidGroups = validGroups };

    /// <summary>Hard labels of a fitted model on <paramref name="votes"/> (arg-max of its probabilities).</summary>
    public static int[] PredictLabels(ILabelModel model, LabelMatrix votes)
    {
        var probabilities = new float[votes.Rows * votes.Classes];
        model.PredictProbabilities(votes, probabilities);
        return ClassificationMetrics.ArgMax(probabilities, votes.Classes);
    }
}

/// <summary>
/// Fits every catalog model on the training votes and judges each on the valid split's votes and gold labels by
/// <see cref="Metric"/>. Majority vote is the default: another model replaces it only when it leads majority vote by more than
/// <see cref="PairedLead.RequiredStandardErrors"/> standard errors of the paired difference. The best on a few hundred valid
/// rows is often ahead by noise, and a learned model that wins by noise can lose badly on test: on sms wmv was 2 valid rows
/// ahead of majority vote while labelling far fewer rows spam. A candidate that leaves out a class holding a real share of
/// valid's gold (<see cref="ClassCollapse"/>) is passed over for one that does not; when every candidate leaves one out,
/// <see cref="Warning"/> says so. The rule is <see cref="ValidChoice"/>'s. Test labels are never seen.
/// </summary>
public sealed class AutoLabelModel : ILabelModel
{
    private readonly LabelMatrix _validVotes;
    private readonly int[] _validGold;
    private readonly List<string> _notes = [];
    private ILabelModel? _chosen;

    /// <summary>
    /// A selector that will judge the candidates on <paramref name="validVotes"/> against <paramref name="validGold"/>;
    /// <see cref="LabelModelCatalog.CreateAuto"/> sets the metric and class names too.
    /// </summary>
    /// <param name="validVotes">
    /// The valid split's votes, with the same programs and classes as the votes it will be fitted on.
    /// </param>
    /// <param name="validGold">The valid split's gold class per row, negative where a row has none.</param>
    /// <exception cref="ArgumentException">The gold labels do not match the votes' rows, or none is present.</exception>
    public AutoLabelModel(LabelMatrix validVotes, IReadOnlyList<int> validGold)
    {
        if (validGold.Count != validVotes.Rows)
        {
            throw new ArgumentException($"the valid split has {validVotes.Rows} rows of votes but {validGold.Count} gold labels");
        }

        if (!validGold.Any(g => g >= 0))
        {
            throw new ArgumentException("auto needs gold labels on the valid split, and it has none");
        }

        _validVotes = validVotes;
        _validGold = validGold.ToArray();
    }

    /// <inheritdoc/>
    public string Name => LabelModelCatalog.Auto;

    /// <summary>Threads used by each candidate's fit and prediction; -1 uses every core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>What the candidates are judged by on valid.</summary>
    public EvaluationMetric Metric { get; init; } = EvaluationMetric.Accuracy;

    /// <summary>Names the classes in notes and warnings ("class 2" without them).</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Each valid row's group, which <see cref="EvaluationMetric.WorstGroup"/> judges by; null without groups.</summary>
    public IReadOnlyList<string>? ValidGroups { get; init; }

    /// <summary>
    /// How many standard errors another model must lead majority vote by on valid to be chosen (<see cref="ValidChoice"/>,
    /// judged by the exact sign test of <see cref="PairedLead.Exceeds"/>): one, where the final labels ask for two. Measured
    /// with <c>bench/run quality</c> on train gold over four offline and two recorded-LLM projects (docs/architecture.md):
    /// 1 SE and 2 SE took the same models (18,203 train rows right), no gate 48 more, all on one project; and on the WRENCH
    /// sms programs no gate takes a model two valid rows ahead whose spam F1 is lower on train as well.
    /// </summary>
    public double RequiredStandardErrors { get; init; } = DefaultRequiredStandardErrors;

    internal const double DefaultRequiredStandardErrors = 1;

    /// <summary>Candidates tried, in order; "mv" must be among them.</summary>
    public IReadOnlyList<string> Candidates { get; init; } = LabelModelCatalog.Names;

    /// <summary>The name of the model chosen on valid.</summary>
    /// <exception cref="InvalidOperationException">Used before <see cref="Fit"/>.</exception>
    public string Chosen => (_chosen ?? throw NotFitted()).Name;

    /// <summary>The model chosen on valid, fitted on the training votes; the selector predicts with it.</summary>
    /// <exception cref="InvalidOperationException">Used before <see cref="Fit"/>.</exception>
    public ILabelModel ChosenModel => _chosen ?? throw NotFitted();

    /// <summary>Every candidate's valid figures, in <see cref="Candidates"/> order (majority vote first).</summary>
    public IReadOnlyList<ScoredCandidate> ValidScores { get; private set; } = [];

    /// <summary>Set when the chosen model leaves out a class of valid's gold, because every candidate does.</summary>
    public string? Warning { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<double> EstimatedAccuracies => ChosenModel.EstimatedAccuracies;

    /// <inheritdoc/>
    public IReadOnlyList<double> ClassPrior => ChosenModel.ClassPrior;

    /// <inheritdoc/>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>
    /// Fits every candidate on <paramref name="votes"/> and keeps the one the valid split chooses; the notes say why.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="Candidates"/> lacks majority vote.</exception>
    /// <exception cref="ArgumentException">The training votes have other programs or classes than the valid votes.</exception>
    public void Fit(LabelMatrix votes, ClassBalance balance)
    {
        if (!Candidates.Contains("mv"))
        {
            throw new InvalidOperationException("auto needs majority vote among its candidates");
        }

        if (_validVotes.Programs != votes.Programs || _validVotes.Classes != votes.Classes)
        {
            throw new ArgumentException($"valid votes have {_validVotes.Programs} programs x {_validVotes.Classes} classes, train has {votes.Programs} x {votes.Classes}");
        }

        var models = new List<ILabelModel>();
        var candidates = new List<ValidCandidate>();
        foreach (var name in Candidates.OrderBy(name => name == "mv" ? 0 : 1))
        {
            var model = LabelModelCatalog.Create(name, MaxDegreeOfParallelism);
            model.Fit(votes, balance);
            models.Add(model);
            candidates.Add(new ValidCandidate(name, LabelModelCatalog.PredictLabels(model, _validVotes)));
        }

        var choice = ValidChoice.Choose(candidates, defaultIndex: 0, _validGold, votes.Classes, Metric, ClassNames, RequiredStandardErrors, ValidGroups);
        _chosen = models[choice.Chosen];
        ValidScores = choice.Scored;
        Warning = choice.Warning;
        _notes.Clear();
        _notes.Add($"chose '{_chosen.Name}' by valid {Metric.DisplayName()} ({string.Join(", ", choice.Scored.Select(s => $"{s.Name} {s.Score:0.000}"))}): {choice.Reason}");
        foreach (var candidate in choice.Scored.Where(c => c.Collapsed.Count > 0))
        {
            _notes.Add($"{candidate.Name} leaves out {ClassCollapse.Describe(candidate.Collapsed)} on valid");
        }

        if (Warning is not null)
        {
            _notes.Add("warning: " + Warning);
        }

        _notes.AddRange(_chosen.Notes);
    }

    /// <inheritdoc/>
    public void PredictProbabilities(LabelMatrix votes, Span<float> probabilities) => ChosenModel.PredictProbabilities(votes, probabilities);

    private InvalidOperationException NotFitted() => new("label model 'auto' is used before Fit");
}
