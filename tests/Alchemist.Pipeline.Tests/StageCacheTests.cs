using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Alchemist.Pipeline;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// The stage caches of a rerun (.alchemist/cache/offline-folds and end-models): what a cache hit gives is exactly what a fresh
/// computation gives, and changed inputs miss.
/// </summary>
public sealed class StageCacheTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-stage-cache-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Offline_cross_fit_folds_read_back_from_the_cache_are_those_computed_afresh_and_changed_valid_gold_misses()
    {
        var project = ExampleProject.CopyTo(Path.Combine(_root, "project"));
        var spec = SpecReader.Load(project);
        var dataset = SpecData.LoadDataset(spec);
        var shape = OfflineShape.Of(spec);
        var train = OfflineInputs.Of(spec, dataset.Train);
        var valid = OfflineInputs.Of(spec, dataset.Valid!);
        var gold = dataset.Valid!.Rows.Labels;
        var balance = ClassBalance.FromGold(gold, dataset.Classes);
        IReadOnlyList<ValidFold> Folds(int[] validGold, string? cacheProject) =>
            OfflineCrossFit.Folds(shape, () => LabelModelCatalog.Create("mv"), balance, train, valid, validGold, projectDirectory: cacheProject);

        var fresh = Folds(gold, null);
        var stored = Folds(gold, project);
        var folder = Path.Combine(new ProjectLayout(project).CacheFolder, "offline-folds");
        var entries = Directory.GetFiles(folder);
        Assert.Equal(2 * fresh.Count, entries.Length);
        var hit = Folds(gold, project);
        Assert.Equal(entries.Order(), Directory.GetFiles(folder).Order());
        AssertSameFolds(fresh, stored);
        AssertSameFolds(fresh, hit);

        // One valid row relabeled: every fold's rules are learned anew (new entries), and they are what a fresh computation gives.
        var changed = (int[])gold.Clone();
        changed[3] = 1 - changed[3];
        var changedHit = Folds(changed, project);
        Assert.Equal(4 * fresh.Count, Directory.GetFiles(folder).Length);
        AssertSameFolds(Folds(changed, null), changedHit);
    }

    [Fact]
    public void Offline_rules_beside_programs_decide_the_same_from_the_cache_as_afresh()
    {
        var project = ExampleProject.CopyTo(Path.Combine(_root, "project"));
        var spec = SpecReader.Load(project);
        var dataset = SpecData.LoadDataset(spec);
        var texts = dataset.Splits.ToDictionary(s => s.Name, s => RowText.Of(spec, s));
        var votes = MadeUpVotes(dataset, texts);
        var gold = dataset.Valid!.Rows.Labels;
        var balance = ClassBalance.FromGold(gold, dataset.Classes);
        var model = new MajorityVote();
        model.Fit(votes[SplitName.Train], balance);
        var validProbabilities = new float[dataset.Valid.Count * 2];
        model.PredictProbabilities(votes[SplitName.Valid], validProbabilities);
        OfflineAugmentation.Decision Decide(bool useCache) =>
            OfflineAugmentation.Decide(spec, () => new MajorityVote(), balance, texts, votes, validProbabilities, gold, useCache: useCache);

        var fresh = Decide(useCache: false);
        Assert.False(Directory.Exists(Path.Combine(new ProjectLayout(project).CacheFolder, "offline-folds")));
        var stored = Decide(useCache: true);
        var files = Directory.GetFiles(Path.Combine(new ProjectLayout(project).CacheFolder, "offline-folds"));
        Assert.Equal(2 * fresh.Folds.Count, files.Length);
        var hit = Decide(useCache: true);
        foreach (var decision in new[] { stored, hit })
        {
            AssertSameFolds(fresh.Folds, decision.Folds);
            Assert.Equal(fresh.AugmentedValidAccuracy, decision.AugmentedValidAccuracy);
            Assert.Equal(fresh.AugmentedValidLogLoss, decision.AugmentedValidLogLoss);
            Assert.Equal(fresh.Programs.Select(p => p.Source), decision.Programs.Select(p => p.Source));
        }
    }

    [Fact]
    public void A_damaged_cached_fold_is_computed_again()
    {
        var project = ExampleProject.CopyTo(Path.Combine(_root, "project"));
        var spec = SpecReader.Load(project);
        var dataset = SpecData.LoadDataset(spec);
        var gold = dataset.Valid!.Rows.Labels;
        IReadOnlyList<ValidFold> Folds(string? cacheProject) => OfflineCrossFit.Folds(OfflineShape.Of(spec), () => new MajorityVote(),
            ClassBalance.FromGold(gold, dataset.Classes), OfflineInputs.Of(spec, dataset.Train), OfflineInputs.Of(spec, dataset.Valid!), gold, projectDirectory: cacheProject);

        var fresh = Folds(project);
        foreach (var file in Directory.GetFiles(Path.Combine(new ProjectLayout(project).CacheFolder, "offline-folds")))
        {
            File.WriteAllBytes(file, [1, 2, 3]);
        }

        AssertSameFolds(fresh, Folds(project));
        AssertSameFolds(fresh, Folds(project));
    }

    [Fact]
    public void End_model_stage_from_its_cache_gives_what_it_trains_afresh_and_changed_valid_gold_misses()
    {
        var cached = ExampleProject.CopyTo(Path.Combine(_root, "cached"));
        var spec = SpecReader.Load(cached);
        var dataset = SpecData.LoadDataset(spec);
        EndModelResult Run(string project, Dataset data)
        {
            var projectSpec = spec with { ProjectDirectory = project };
            var texts = data.Splits.ToDictionary(s => s.Name, s => RowText.Of(projectSpec, s));
            var votes = MadeUpVotes(data, texts);
            var model = new MajorityVote();
            model.Fit(votes[SplitName.Train], ClassBalance.FromGiven([0.5, 0.5]));
            var probabilities = votes.ToDictionary(kv => kv.Key, kv =>
            {
                var p = new float[kv.Value.Rows * 2];
                model.PredictProbabilities(kv.Value, p);
                return p;
            });
            return new EndModelStage(projectSpec, data, texts, votes, probabilities, _ => { }).Run();
        }

        var fresh = Run(ExampleProject.CopyTo(Path.Combine(_root, "fresh")), dataset);
        var stored = Run(cached, dataset);
        var folder = Path.Combine(new ProjectLayout(cached).CacheFolder, "end-models");
        var entries = Directory.GetFileSystemEntries(folder).Order().ToArray();
        Assert.Equal(1 + (2 * ValidFolds.MaxFolds), entries.Length); // the dev-only baseline, and each fold's two models' valid predictions
        var hit = Run(cached, dataset);
        Assert.Equal(entries, Directory.GetFileSystemEntries(folder).Order());
        foreach (var result in new[] { stored, hit })
        {
            Assert.Equal(fresh.ValidOutOfSample, result.ValidOutOfSample);
            Assert.Equal(fresh.BaselineValidOutOfSample, result.BaselineValidOutOfSample);
            foreach (var split in dataset.Splits)
            {
                Assert.Equal(fresh.Predictions[split.Name], result.Predictions[split.Name]);
                Assert.Equal(fresh.BaselinePredictions![split.Name], result.BaselinePredictions![split.Name]);
            }
        }

        // A relabeled valid row changes what the baseline and every fold that learns from it are trained on: those miss, while
        // the fold that predicts the row (and so never learned from it) is read back.
        var relabeled = SpecData.LoadDataset(spec);
        relabeled.Valid!.Rows.Labels[0] = 1 - relabeled.Valid.Rows.Labels[0];
        var changed = Run(cached, relabeled);
        Assert.Equal(entries.Length + 1 + (2 * (ValidFolds.MaxFolds - 1)), Directory.GetFileSystemEntries(folder).Length);
        Assert.NotEqual(hit.BaselineValidOutOfSample, changed.BaselineValidOutOfSample);
    }

    /// <summary>One made-up program: votes SPAM on rows that mention "check", HAM on rows that mention "song".</summary>
    private static Dictionary<string, LabelMatrix> MadeUpVotes(Dataset data, Dictionary<string, string[]> texts) =>
        data.Splits.ToDictionary(s => s.Name, s =>
        {
            var matrix = new LabelMatrix(s.Count, 2, ["check-or-song"]);
            var column = matrix.ColumnForWriting(0);
            for (var r = 0; r < s.Count; r++)
            {
                column[r] = texts[s.Name][r].Contains("check", StringComparison.OrdinalIgnoreCase) ? (sbyte)1
                    : texts[s.Name][r].Contains("song", StringComparison.OrdinalIgnoreCase) ? (sbyte)0 : LabelMatrix.Abstain;
            }

            return matrix;
        });

    private static void AssertSameFolds(IReadOnlyList<ValidFold> expected, IReadOnlyList<ValidFold> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var f = 0; f < expected.Count; f++)
        {
            Assert.Equal(expected[f].Predicted, actual[f].Predicted);
            Assert.Equal(expected[f].PredictedProbabilities, actual[f].PredictedProbabilities);
            Assert.Equal(expected[f].PredictedCovered, actual[f].PredictedCovered);
            Assert.Equal(expected[f].TrainProbabilities, actual[f].TrainProbabilities);
            Assert.Equal(expected[f].TrainCovered, actual[f].TrainCovered);
        }
    }
}
