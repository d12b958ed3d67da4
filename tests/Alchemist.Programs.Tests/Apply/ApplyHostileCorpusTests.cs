using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

/// <summary>
/// The whole hostile corpus (tests/Alchemist.Programs.Tests/Hostile) through the apply engine with worker processes, in one
/// run together with benign programs: every hostile program is rejected before it runs or disabled while it runs (with a
/// reason), the run finishes, and every benign column equals the same logic compiled natively.
/// </summary>
public sealed class ApplyHostileCorpusTests
{
    [Fact]
    public void Every_hostile_program_is_rejected_or_contained_and_benign_columns_stay_exact()
    {
        var comments = ApplyTestKit.YoutubeComments()[..160];
        var corpus = HostileCorpus.Load();
        var runnable = new List<(HostileProgram Hostile, SandboxedProgram Program)>();
        foreach (var hostile in corpus)
        {
            var compiled = ApplyTestKit.TryCompile(hostile.Name, hostile.Source);
            if (hostile.Expectation == HostileExpectation.RejectedAtVerify)
            {
                Assert.False(compiled.Succeeded, $"{hostile.Name} should be rejected before it runs");
            }
            else
            {
                Assert.True(compiled.Succeeded, $"{hostile.Name}: {compiled.FeedbackForLlm()}");
                runnable.Add((hostile, new SandboxedProgram(compiled.Program!, ApplyTestKit.TestBudgets)));
            }
        }

        Assert.Contains(runnable, r => r.Hostile.Expectation == HostileExpectation.ContainedByWorker);
        var benign = ApplyTestKit.BenignPrograms();
        var programs = runnable.Select(r => (IApplyProgram)r.Program).Concat(benign).ToList();
        var options = ApplyTestKit.Options(IsolationMode.Process) with { BatchSize = 16, MinRowsBeforeDisabling = 16 };

        var result = ApplyTestKit.Apply(options, "train", InMemoryDataSource.FromTexts("c", "text", comments), programs, 2, TestContext.Current.CancellationToken);

        var withinLimits = new List<string>();
        for (var h = 0; h < runnable.Count; h++)
        {
            var (hostile, _) = runnable[h];
            var report = result.Programs[h];
            if (report.Status == ProgramStatus.Ok && hostile.Expectation == HostileExpectation.ContainedByWorker && report.Errors + report.BudgetExceeded == 0)
            {
                // It finished every row inside the worker's CPU and memory limits (the JIT may drop an allocation nobody
                // reads), so there was nothing to stop; its votes are its own and harm no other column.
                withinLimits.Add(hostile.Name);
                continue;
            }

            Assert.True(report.Status == ProgramStatus.Disabled, $"{hostile.Name} ({hostile.Expectation}) ran unchecked: {report}");
            Assert.False(string.IsNullOrWhiteSpace(report.Reason));
            Assert.True(result.Matrix.Column(h).IndexOfAnyExcept(LabelMatrix.Abstain) < 0);
        }

        for (var b = 0; b < benign.Count; b++)
        {
            var report = result.Programs[runnable.Count + b];
            Assert.Equal(ProgramStatus.Ok, report.Status);
            Assert.Equal(0, report.Errors + report.BudgetExceeded);
            Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[b].Native, comments), result.Matrix.Column(runnable.Count + b).ToArray());
        }

        var killed = result.Programs.Take(runnable.Count).Count(p => p.Reason?.Contains("worker", StringComparison.Ordinal) == true);
        Assert.True(killed >= 1, "the BCL loop must have been stopped by killing its worker");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"hostile corpus through the engine: {corpus.Count} programs, {corpus.Count - runnable.Count} rejected before running, " +
            $"{runnable.Count - withinLimits.Count} disabled while running ({killed} by stopping their worker), " +
            $"{withinLimits.Count} finished within the worker's limits ({string.Join(", ", withinLimits)}); " +
            string.Join("; ", result.Programs.Take(runnable.Count).Select(p => $"{p.Name} {p.Time.TotalSeconds:0.0}s")));
    }
}
