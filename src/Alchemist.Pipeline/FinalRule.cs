using System.Text.Json;
using System.Text.Json.Serialization;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.Programs.Apply;

namespace Alchemist.Pipeline;

/// <summary>
/// How the last run made its final labels, saved beside them (out/final-rule/) so that new rows can be labeled the same way:
/// which programs vote and in what order, the label model and the class balance it was fitted with, the train votes it was
/// fitted on (so fitting it again gives the same model), and the blend of label model and end model chosen on valid.
/// </summary>
public sealed record FinalRule
{
    /// <summary>The rule's folder inside out/.</summary>
    public const string FolderName = "final-rule";
    /// <summary>The rule's JSON file inside <see cref="FolderName"/>.</summary>
    public const string RuleFile = "rule.json";
    private const string TrainVotesFile = "train" + LabelMatrixFile.Extension;
    private const string DevOnlyModelFolder = "dev-only-model";
    private const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The file's format version; a rule of another version is not read.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The label model's name in <see cref="LabelModelCatalog"/>.</summary>
    public required string LabelModel { get; init; }

    /// <summary>The class balance the label model was fitted with.</summary>
    public required ClassBalance Balance { get; init; }

    /// <summary>The vote matrix's columns: program names, those of offline rules (out/offline-programs) with their prefix.</summary>
    public required IReadOnlyList<string> Columns { get; init; }

    /// <summary>label_model (no valid gold to choose by), blend (label model where programs voted, end model elsewhere) or dev_only.</summary>
    public required FinalRuleSource Source { get; init; }

    /// <summary>The label model's weight in the blend, on rows where programs voted (1: the label model alone).</summary>
    public double LabelModelWeight { get; init; } = 1;

    /// <summary>Temperature applied to the label model's probabilities before blending (1: as they are).</summary>
    public double LabelModelTemperature { get; init; } = 1;

    /// <summary>Temperature applied to the end model's probabilities before blending (1: as they are).</summary>
    public double EndModelTemperature { get; init; } = 1;

    /// <summary>Temperature applied to the dev-only model's probabilities when they are the output.</summary>
    public double DevOnlyTemperature { get; init; } = 1;

    /// <summary>The run's choice as a rule for new rows.</summary>
    public static FinalRule Of(string labelModel, ClassBalance balance, IReadOnlyList<string> columns, FinalChoice.Choice? choice) => new()
    {
        LabelModel = labelModel,
        Balance = balance,
        Columns = columns,
        Source = choice is null ? FinalRuleSource.LabelModel : choice.UseDevOnly ? FinalRuleSource.DevOnly : FinalRuleSource.Blend,
        LabelModelWeight = choice?.LabelModelWeight ?? 1,
        LabelModelTemperature = choice?.LabelModelTemperature ?? 1,
        EndModelTemperature = choice?.EndModelTemperature ?? 1,
        DevOnlyTemperature = choice?.DevOnlyTemperature ?? 1,
    };

    /// <summary>The choice that <see cref="FinalChoice.Choice.Apply"/> and <see cref="FinalChoice.Choice.ApplyDevOnly"/> label with.</summary>
    [JsonIgnore]
    public FinalChoice.Choice Choice => new(LabelModelWeight, [])
    {
        LabelModelTemperature = LabelModelTemperature,
        EndModelTemperature = EndModelTemperature,
        DevOnlyTemperature = DevOnlyTemperature,
        UseDevOnly = Source == FinalRuleSource.DevOnly,
    };

    /// <summary>Where <see cref="Save"/> keeps the train votes under <paramref name="outFolder"/>: a run over a train split it does not hold writes them there first.</summary>
    public static string TrainVotesPath(string outFolder) => Path.Combine(outFolder, FolderName, TrainVotesFile);

    /// <summary>
    /// Writes the rule, the train votes (null: they are at <see cref="TrainVotesPath"/> already) and, when it labels with
    /// it, the dev-only model into <paramref name="outFolder"/>/final-rule.
    /// </summary>
    public void Save(string outFolder, LabelMatrix? trainVotes, EndModel.EndModel? devOnlyModel)
    {
        var folder = Path.Combine(outFolder, FolderName);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, RuleFile), JsonSerializer.Serialize(this, Json));
        if (trainVotes is not null)
        {
            LabelMatrixFile.Write(TrainVotesPath(outFolder), trainVotes);
        }
        else if (!File.Exists(TrainVotesPath(outFolder)))
        {
            throw new InvalidOperationException($"the final rule's train votes were to be written to {TrainVotesPath(outFolder)} before it was saved");
        }

        if (Source == FinalRuleSource.DevOnly)
        {
            (devOnlyModel ?? throw new InvalidOperationException("the dev-only baseline gives the final labels but its model was not kept")).Save(Path.Combine(folder, DevOnlyModelFolder));
        }
    }

    /// <summary>The saved rule, its train votes and, where it labels with it, the dev-only model; a missing or unreadable one is a <see cref="UserError"/> saying to run again.</summary>
    public static (FinalRule Rule, LabelMatrix TrainVotes, EndModel.EndModel? DevOnlyModel) Load(string outFolder)
    {
        var folder = Path.Combine(outFolder, FolderName);
        var rulePath = Path.Combine(folder, RuleFile);
        if (!File.Exists(rulePath))
        {
            throw new UserError($"{rulePath} is missing: the last run was made by an earlier version, or did not finish; run `alchemist run --force` to label with the final-label rule", rulePath);
        }

        try
        {
            var rule = JsonSerializer.Deserialize<FinalRule>(File.ReadAllText(rulePath), Json)
                ?? throw new InvalidDataException("it holds null");
            if (rule.Version != CurrentVersion)
            {
                throw new InvalidDataException($"it is version {rule.Version}, this build reads version {CurrentVersion}");
            }

            var votes = LabelMatrixFile.Read(Path.Combine(folder, TrainVotesFile));
            if (!votes.ProgramNames.SequenceEqual(rule.Columns))
            {
                throw new InvalidDataException($"its train votes have the columns {string.Join(", ", votes.ProgramNames)}, the rule names {string.Join(", ", rule.Columns)}");
            }

            var devOnly = rule.Source == FinalRuleSource.DevOnly ? EndModel.EndModel.Load(Path.Combine(folder, DevOnlyModelFolder)) : null;
            return (rule, votes, devOnly);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or NotSupportedException)
        {
            throw new UserError($"{rulePath}: the saved final-label rule cannot be read ({e.Message}); run `alchemist run --force` to make it again", rulePath, inner: e);
        }
    }
}

/// <summary>Where a run's final probabilities come from.</summary>
public enum FinalRuleSource
{
    /// <summary>No valid gold to choose by: the label model's probabilities are the final ones.</summary>
    LabelModel,

    /// <summary>The label model where programs voted, blended with the end model, and the end model elsewhere.</summary>
    Blend,

    /// <summary>The dev-only baseline (the end model trained on valid's gold alone) led every candidate on valid.</summary>
    DevOnly,
}
