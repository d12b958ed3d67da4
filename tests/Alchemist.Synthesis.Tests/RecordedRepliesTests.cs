using Alchemist.Programs;
using Alchemist.Synthesis.Engine;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Synthesis.Tests;

/// <summary>
/// The real recorded replies (../shared/llm-recordings) answered through exchange files, as a person would paste them:
/// every one of the 40 program replies must become an accepted program with no repair.
/// </summary>
public sealed class RecordedRepliesTests : IDisposable
{
    private readonly TempFolder _project = new();
    private readonly List<string> _log = [];

    public void Dispose() => _project.Dispose();

    [Theory]
    [InlineData("youtube")]
    [InlineData("sms")]
    [InlineData("trec")]
    [InlineData("finance")]
    public async Task AllTenRecordedProgramReplies_AreAcceptedWithoutRepair(string dataset)
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
    }

    /// <summary>Runs synthesis, answering each prompt it leaves in the exchange folder with a recording, until nothing is pending.</summary>
    private async Task<SynthesisReport> RunUntilDoneAsync(Alchemist.Spec.TaskSpec spec, Func<int, string>? replyFile, string recordings, CancellationToken ct)
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
