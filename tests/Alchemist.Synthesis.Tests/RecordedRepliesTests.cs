using Alchemist.LabelModels;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Spec;
using Alchemist.Synthesis.Engine;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Synthesis.Tests;

/// <summary>
/// The real recorded replies (../shared/llm-recordings) answered through exchange files, as a person would paste them:
/// every one of the 40 program replies must become an accepted program with no repair, and the label model chosen on valid
/// over each data set's 10 programs must reach the issue's target on test.
/// </summary>
public sealed class RecordedRepliesTests : IDisposable
{
    private readonly TempFolder _project = new();
    private readonly List<string> _log = [];

    public void Dispose() => _project.Dispose();

    [Theory]
    [InlineData("youtube", 0.90, 0.75)]
    [InlineData("sms", 0.97, 0.0)]
    [InlineData("trec", 0.80, 0.0)]
    [InlineData("finance", 0.69, 0.0)]
    public async Task AllTenRecordedProgramReplies_AreAcceptedWithoutRepair_AndTheirLabelModelMeetsTheTarget(string dataset, double target, double minCoverage)
    {
        var recordings = SharedFolder.Recordings(dataset);
        var ct = TestContext.Current.CancellationToken;

        var oneStage = TestProjects.Wrench(_project.Path, dataset, "programs: 5\nmode: one-stage", "provider: exchange\nmodel: claude-sonnet-4-5");
        var plain = await RunUntilDoneAsync(oneStage, sample => $"plain-{sample:00}.response.md", recordings, ct);

        var twoStage = TestProjects.Wrench(_project.Path, dataset,
            "programs: 5\nmode: two-stage\nprior_knowledge: [heuristics, keywords, descriptions, examples]", "provider: exchange\nmodel: claude-sonnet-4-5");
        var staged = await RunUntilDoneAsync(twoStage, null, recordings, ct);

        var outcomes = plain.Outcomes.Concat(staged.Outcomes).ToArray();
        var notAccepted = outcomes.Where(o => o.Kind != OutcomeKind.Accepted || o.Repairs > 0).Select(o => $"{o.Name}: {o.Kind} {o.Reason}");
        Assert.True(outcomes.Count(o => o.Kind == OutcomeKind.Accepted && o.Repairs == 0) == 10, string.Join("\n", notAccepted));
        var files = ProgramFile.LoadFolder(Path.Combine(_project.Path, "programs"));
        Assert.Equal(10, files.Count);
        Assert.All(files, f => Assert.Equal(ProgramAuthorKind.Llm, f.Provenance.Kind));
        Assert.All(files, f => Assert.Equal("exchange", f.Provenance.Provider));
        Assert.Contains(files, f => f.Name == "synth-02-keywords" && f.Source.Contains("// call: synth-02-keywords knowledge", StringComparison.Ordinal));

        // The acceptance figure: label model chosen on valid (gold), evaluated on test. Youtube's target is on covered rows.
        // Every split is applied twice, the second time over reversed rows: each recorded program votes by its row alone.
        var options = ProjectApply.OptionsFor(twoStage, IsolationMode.None, trustPrograms: true) with { CheckRowOrder = true };
        var applied = ProjectApply.Run(twoStage, options, cancel: ct);
        Assert.All(applied.Splits, s => Assert.Equal(10, s.ProgramsOrderChecked));
        Assert.Equal(10, applied.ProgramsInMatrix.Count);
        var votes = applied.Splits.ToDictionary(s => s.Split, s => s.Matrix.SelectPrograms(Enumerable.Range(0, s.Matrix.Programs).ToArray()));
        var data = SpecData.LoadDataset(twoStage);
        var (chosen, validScores) = ChooseOnValid(votes["train"], votes["valid"], data.Valid!.Rows.Labels, coveredOnly: minCoverage > 0);
        var predicted = LabelModelCatalog.PredictLabels(chosen, votes["test"]);
        var (accuracy, coverage) = Score(votes["test"], data.Test!.Rows.Labels, predicted, coveredOnly: minCoverage > 0);
        var figure = $"{dataset}: label model {chosen.Name} (valid accuracy{(minCoverage > 0 ? " on covered rows" : "")}: {validScores}); " +
            $"test accuracy {accuracy:0.000}{(minCoverage > 0 ? " on covered rows" : "")}, coverage {coverage:0.000}";
        TestContext.Current.SendDiagnosticMessage(figure);
        Assert.True(accuracy >= target && coverage >= minCoverage, figure);
    }

    /// <summary>
    /// Fits every catalog label model on the train votes and keeps the best on valid (majority vote first, so another model
    /// must beat it). Where the target is accuracy on covered rows, valid is scored the same way. Test is never looked at.
    /// </summary>
    private static (ILabelModel Model, string Scores) ChooseOnValid(Alchemist.Labeling.LabelMatrix train, Alchemist.Labeling.LabelMatrix valid, int[] validGold, bool coveredOnly)
    {
        ILabelModel? best = null;
        var bestAccuracy = double.NegativeInfinity;
        var scores = new List<string>();
        foreach (var name in LabelModelCatalog.Names.OrderBy(n => n == "mv" ? 0 : 1))
        {
            var model = LabelModelCatalog.Create(name);
            model.Fit(train, ClassBalance.Estimated);
            var (accuracy, _) = Score(valid, validGold, LabelModelCatalog.PredictLabels(model, valid), coveredOnly);
            scores.Add($"{name} {accuracy:0.000}");
            if (accuracy > bestAccuracy)
            {
                (best, bestAccuracy) = (model, accuracy);
            }
        }

        return (best!, string.Join(", ", scores));
    }

    private static (double Accuracy, double Coverage) Score(Alchemist.Labeling.LabelMatrix votes, int[] gold, int[] predicted, bool coveredOnly)
    {
        var rows = Enumerable.Range(0, gold.Length).Where(r => gold[r] >= 0).ToArray();
        var covered = rows.Where(r => Enumerable.Range(0, votes.Programs).Any(j => votes[r, j] >= 0)).ToArray();
        var scored = coveredOnly ? covered : rows;
        return (scored.Count(r => predicted[r] == gold[r]) / (double)scored.Length, covered.Length / (double)rows.Length);
    }

    /// <summary>Runs synthesis, answering each prompt it leaves in the exchange folder with a recording, until nothing is pending.</summary>
    private async Task<SynthesisReport> RunUntilDoneAsync(TaskSpec spec, Func<int, string>? replyFile, string recordings, CancellationToken ct)
    {
        var settings = SynthesisSettings.FromSpec(spec) with { MaxRepairs = 0, CheckRows = 500 };
        for (var round = 0; round < 4; round++)
        {
            var report = await SynthesisSession.Open(spec, settings, Log).RunAsync(ct);
            if (!report.Pending.Any())
            {
                Assert.Empty(report.Failed);
                return report;
            }

            foreach (var pending in report.Pending)
            {
                var stage = Path.GetFileName(pending.Path!).Contains("knowledge", StringComparison.Ordinal) ? "stage1" : "stage2";
                var recording = replyFile?.Invoke(pending.Sample) ?? $"twostage-{pending.Sample:00}.{stage}.response.md";
                Assert.True(File.Exists(Path.ChangeExtension(pending.Path!, null)[..^".reply".Length] + ".prompt.md"));
                File.Copy(Path.Combine(recordings, recording), pending.Path!);
            }
        }

        throw new InvalidOperationException("synthesis still waits for replies after 4 rounds");
    }

    private void Log(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }
    }
}
