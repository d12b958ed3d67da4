using Alchemist.Pipeline;
using Alchemist.Spec;
using Alchemist.Synthesis.Engine;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// The LLM path end to end, with no network: a project made by <c>alchemist init</c> over a shared data set, the recorded
/// replies (../shared/llm-recordings) pasted through the exchange provider for 5 one-stage and 5 two-stage programs, as
/// scripts/llm-replay-run does, then the whole run. Every choice in the run is made on valid; test gold only checks the
/// issue's acceptance figures.
/// </summary>
public sealed class LlmReplayRunTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-llm-replay-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Youtube_with_the_recorded_replies_beats_its_dev_only_baseline_and_reaches_the_target()
    {
        var data = SharedFolder.Dataset("youtube");
        var recordings = SharedFolder.Recordings("youtube");
        var ct = TestContext.Current.CancellationToken;
        var project = Path.Combine(_root, "youtube");
        ProjectInit.Create(project, new NewProject
        {
            Data = Path.Combine(data, "train.json"),
            Description = "Decide whether a YouTube video comment is spam or ham (a genuine comment).",
        });
        var initial = SpecReader.Load(project);

        var llm = new LlmSpec { Provider = LlmProvider.Exchange, Model = "claude-sonnet-4-5" };
        await SynthesizeAsync(initial with { Synthesis = new SynthesisSpec { Programs = 5, Mode = SynthesisMode.OneStage }, Llm = llm, Isolation = new IsolationSpec { Mode = "none", TrustPrograms = true } },
            recordings, ct);
        await SynthesizeAsync(initial with
        {
            Synthesis = new SynthesisSpec
            {
                Programs = 5,
                Mode = SynthesisMode.TwoStage,
                PriorKnowledge = [PriorKnowledgeKind.Heuristics, PriorKnowledgeKind.Keywords, PriorKnowledgeKind.Descriptions, PriorKnowledgeKind.Examples],
            },
            Llm = llm,
            Isolation = new IsolationSpec { Mode = "none", TrustPrograms = true },
        }, recordings, ct);

        var log = new StringWriter();
        var summary = await new RunPipeline(log).RunAsync(project, TestContext.Current.CancellationToken);

        Assert.StartsWith("llm exchange", summary.Synthesizer, StringComparison.Ordinal);
        var figures = $"final {summary.FinalTestAccuracy} ({summary.FinalSource}), label model {summary.LabelModelTestAccuracy}, end model {summary.EndModelTestAccuracy}, " +
            $"dev-only baseline {summary.DevOnlyBaselineTestAccuracy}\n{log}";
        TestContext.Current.SendDiagnosticMessage(figures);
        Assert.True(summary.FinalTestAccuracy >= 0.94, figures);
        Assert.True(summary.FinalTestAccuracy > summary.DevOnlyBaselineTestAccuracy, figures);

        // Offline rules that vote beside the LLM programs are written as program files a person can read, and the
        // report's programs table lists them with their source.
        var folder = Path.Combine(project, RunPipeline.OutputFolder, OfflineAugmentation.Folder);
        var voting = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.cs") : [];
        Assert.Equal(log.ToString().Contains("offline rules beside the programs: yes", StringComparison.Ordinal), voting.Length > 0);
        var report = File.ReadAllText(Path.Combine(project, RunPipeline.OutputFolder, "report.html"));
        Assert.All(voting, file =>
        {
            var program = Alchemist.Programs.ProgramFile.Load(file);
            Assert.StartsWith(OfflineAugmentation.Prefix, program.Name, StringComparison.Ordinal);
            Assert.Contains($"<tr><td>{program.Name}</td>", report, StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// Saves the spec, then runs synthesis until nothing is pending, answering each prompt the exchange provider leaves with
    /// its recording: one-stage sample NN gets plain-NN; two-stage, the knowledge prompt stage1 and the program prompt stage2.
    /// </summary>
    private static async Task SynthesizeAsync(TaskSpec spec, string recordings, CancellationToken ct)
    {
        SpecWriter.Save(spec, spec.ProjectDirectory);
        spec = SpecReader.Load(spec.ProjectDirectory);
        var settings = SynthesisSettings.FromSpec(spec) with { MaxRepairs = 0 };
        for (var round = 0; round < 4; round++)
        {
            var report = await SynthesisSession.Open(spec, settings).RunAsync(ct);
            Assert.Empty(report.Failed);
            if (!report.Pending.Any())
            {
                Assert.Equal(5, report.Accepted.Count());
                return;
            }

            foreach (var pending in report.Pending)
            {
                var recording = spec.Synthesis.Mode == SynthesisMode.OneStage
                    ? $"plain-{pending.Sample:00}.response.md"
                    : $"twostage-{pending.Sample:00}.{(Path.GetFileName(pending.Path!).Contains("knowledge", StringComparison.Ordinal) ? "stage1" : "stage2")}.response.md";
                File.Copy(Path.Combine(recordings, recording), pending.Path!);
            }
        }

        Assert.Fail("synthesis still waits for replies after 4 rounds");
    }
}
