using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>One split's votes, gold labels (-1 where a row has none) and, for a project with <c>data.group_field</c>, each row's group.</summary>
public sealed record VotedSplit(string Name, string Source, LabelMatrix Votes, int[] Gold, IReadOnlyList<string>? Groups = null)
{
    /// <summary>True when some row has a gold label.</summary>
    public bool HasGold => Gold.AsSpan().IndexOfAnyExcept(DataBatch.NoLabel) >= 0;

    /// <summary>True when some row with a gold label is in a group: worst-group accuracy can be ranked by.</summary>
    public bool HasGroupedGold => GroupFigures.AnyGroupedGold(Gold, Groups);
}

/// <summary>
/// The votes that <c>alchemist labelmodel</c> works on: a WRENCH folder (its weak_labels), or a project folder whose data
/// (WRENCH, CSV or JSONL, as its alchemist.yaml says) has been labeled by <c>alchemist apply</c>.
/// </summary>
/// <param name="Name">The data set's name (its folder's).</param>
/// <param name="ClassNames">Class names in index order.</param>
/// <param name="Splits">The splits that have votes, by name.</param>
/// <param name="Metric">What auto judges by: the project's <c>evaluation.metric</c>, or the spec's default for a WRENCH folder.</param>
public sealed record VotedDataset(string Name, IReadOnlyList<string> ClassNames, IReadOnlyDictionary<string, VotedSplit> Splits, EvaluationMetric Metric)
{
    /// <summary>The named split; a <see cref="UserError"/> when it is missing, or has no gold where <paramref name="needGold"/>.</summary>
    public VotedSplit Require(string split, bool needGold)
    {
        if (!Splits.TryGetValue(split, out var found))
        {
            throw new UserError($"data set '{Name}' has no {split} split with votes (has: {string.Join(", ", Splits.Keys)})");
        }

        if (needGold && !found.HasGold)
        {
            throw new UserError($"{found.Source}: the {split} split has no gold labels to evaluate against");
        }

        return found;
    }

    /// <summary>Reads a WRENCH folder's weak labels, or a project's votes from its last apply.</summary>
    public static VotedDataset Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, TaskSpec.FileName)))
        {
            return FromProject(full);
        }

        if (Directory.Exists(full))
        {
            if (!File.Exists(Path.Combine(full, "label.json")))
            {
                throw new UserError($"{full}: not a WRENCH folder (no label.json) and not a project folder (no {TaskSpec.FileName})");
            }

            return FromWrench(full);
        }

        if (File.Exists(full))
        {
            throw new UserError($"{full}: give a folder: a WRENCH folder (train/valid/test.json + label.json) or a project folder whose data was labeled by `alchemist apply` (CSV and JSONL data carry no votes of their own)");
        }

        throw new UserError($"{full}: not found");
    }

    private static VotedDataset FromWrench(string folder)
    {
        var dataset = Dataset.LoadWrench(folder);
        var splits = new Dictionary<string, VotedSplit>();
        foreach (var split in dataset.Splits)
        {
            var votes = split.Rows.WeakLabels;
            if (votes is null || votes.Programs == 0)
            {
                if (split.Count == 0)
                {
                    continue;
                }

                throw new UserError($"{split.Source.Path}: rows carry no weak_labels, so there are no votes to combine (apply labeling programs to it through a project first)");
            }

            splits[split.Name] = new VotedSplit(split.Name, split.Source.Path, votes, split.Rows.Labels);
        }

        return new VotedDataset(dataset.Name, dataset.ClassNames, splits, EvaluationSpec.DefaultMetric);
    }

    private static VotedDataset FromProject(string folder)
    {
        var spec = SpecReader.Load(folder);
        var dataset = SpecData.LoadDataset(spec);
        var splits = new Dictionary<string, VotedSplit>();
        foreach (var split in dataset.Splits)
        {
            var matrixPath = ProjectApply.MatrixPath(spec.ProjectDirectory, split.Name);
            if (!File.Exists(matrixPath))
            {
                throw new UserError($"{matrixPath}: no votes for the {split.Name} split yet; run `alchemist apply {folder}` first");
            }

            var votes = LabelMatrixFile.Read(matrixPath);
            if (votes.Rows != split.Count || votes.Classes != dataset.Classes)
            {
                throw new UserError($"{matrixPath}: {votes.Rows} rows x {votes.Classes} classes of votes, but the {split.Name} data has {split.Count} rows x {dataset.Classes} classes; run `alchemist apply {folder}` again");
            }

            splits[split.Name] = new VotedSplit(split.Name, matrixPath, votes, split.Rows.Labels, SpecData.Groups(spec, split.Rows));
        }

        return new VotedDataset(spec.Name, dataset.ClassNames, splits, spec.Evaluation.Metric);
    }
}

