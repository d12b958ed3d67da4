using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

/// <summary>
/// The whole hostile corpus (tests/Alchemist.Programs.Tests/Hostile) through the product's path: compiled in the
/// compiler process, applied with worker processes and the row-order check, in one run together with benign programs,
/// with an API key in this process's environment. Every hostile program is rejected before it runs or disabled while it
/// runs (with a reason), the run finishes, every benign column equals the same logic compiled natively (so no program
/// changed what the others read), no reason is longer than the bound, and the key appears in no output and no cache file.
/// </summary>
public sealed class ApplyHostileCorpusTests
{
    private const string KeyVariable = "OPENAI_API_KEY";
    private const string Key = "sk-test-HOSTILE-CORPUS-7f3a9c";

    [Fact]
    public void Every_hostile_program_is_rejected_or_contained_and_benign_columns_stay_exact()
    {
        var comments = ApplyTestKit.YoutubeComments()[..160];
        var corpus = HostileCorpus.Load();
        var cache = ApplyTestKit.TemporaryFolder();
        var previousKey = Environment.GetEnvironmentVariable(KeyVariable);
        Environment.SetEnvironmentVariable(KeyVariable, Key);
        try
        {
            // 60 s: a cold compiler process on a loaded 2-core machine once took more than 30 s over one program (a CI run beside other builds).
            using var compiler = new IsolatedProgramCompiler(ApplyTestKit.Signature, SourceLimits.Default with { CompileTimeout = TimeSpan.FromSeconds(60) });
            var runnable = new List<(HostileProgram Hostile, SandboxedProgram Program)>();
            foreach (var hostile in corpus)
            {
                var compiled = compiler.Compile(hostile.Source, hostile.Name);
                Assert.All(compiled.Diagnostics, d => Assert.DoesNotContain(Key, d.Message, StringComparison.Ordinal));
                if (hostile.Expectation is HostileExpectation.RejectedAtVerify or HostileExpectation.RejectedAtCompile or HostileExpectation.RejectedByLimits)
                {
                    Assert.False(compiled.Succeeded, $"{hostile.Name} should be rejected before it runs");
                    Assert.Contains(compiled.Diagnostics, d => d.Message.Contains(hostile.Detail, StringComparison.Ordinal));
                }
                else
                {
                    Assert.True(compiled.Succeeded, $"{hostile.Name}: {compiled.FeedbackForLlm()}");
                    runnable.Add((hostile, new SandboxedProgram(compiled.Program!, ApplyTestKit.TestBudgets)));
                }
            }

            Assert.True(compiler.ProcessesUsed <= 1, $"{compiler.ProcessesUsed} compiler processes: a compile crashed or timed out");
            Assert.Contains(runnable, r => r.Hostile.Expectation == HostileExpectation.ContainedByWorker);
            var benign = ApplyTestKit.BenignPrograms();
            var programs = runnable.Select(r => (IApplyProgram)r.Program).Concat(benign).ToList();
            var options = ApplyTestKit.Options(IsolationMode.Process, cache) with { BatchSize = 16, MinRowsBeforeDisabling = 16, CheckRowOrder = true };

            var result = ApplyTestKit.Apply(options, "train", InMemoryDataSource.FromTexts("c", "text", comments), programs, 2, TestContext.Current.CancellationToken);

            var withinLimits = new List<string>();
            for (var h = 0; h < runnable.Count; h++)
            {
                var (hostile, _) = runnable[h];
                var report = result.Programs[h];
                Assert.True((report.Reason?.Length ?? 0) <= 2 * Bounded.MaxMessageChars, $"{hostile.Name}: a reason of {report.Reason?.Length} characters");
                Assert.True((report.FirstFault?.Length ?? 0) <= Bounded.MaxMessageChars + 100, $"{hostile.Name}: a first fault of {report.FirstFault?.Length} characters");
                if (report.Status == ProgramStatus.Ok && hostile.Expectation == HostileExpectation.ContainedByWorker && report.Errors + report.BudgetExceeded == 0)
                {
                    // It finished every row inside the worker's CPU and memory limits (the JIT may drop an allocation nobody
                    // reads), so there was nothing to stop; its votes are its own and harm no other column.
                    withinLimits.Add(hostile.Name);
                    continue;
                }

                Assert.True(report.Status == ProgramStatus.Disabled, $"{hostile.Name} ({hostile.Expectation}) ran unchecked: {report}");
                Assert.False(string.IsNullOrWhiteSpace(report.Reason));
                if (hostile.Expectation == HostileExpectation.ChangesStaticState)
                {
                    Assert.Contains("static state", report.Reason, StringComparison.Ordinal);
                }

                Assert.True(result.Matrix.Column(h).IndexOfAnyExcept(LabelMatrix.Abstain) < 0);
            }

            for (var b = 0; b < benign.Count; b++)
            {
                var report = result.Programs[runnable.Count + b];
                Assert.True(report.Status == ProgramStatus.Ok, $"benign {report.Name} was not left to run: {report}");
                Assert.Equal(0, report.Errors + report.BudgetExceeded);
                Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[b].Native, comments), result.Matrix.Column(runnable.Count + b).ToArray());
            }

            Assert.True(result.ProgramsOrderChecked >= benign.Count, "the row-order check did not run");
            var killed = result.Programs.Take(runnable.Count).Count(p => p.Reason?.Contains("worker", StringComparison.Ordinal) == true);
            Assert.True(killed >= 1, "the BCL loop must have been stopped by killing its worker");
            Assert.All(result.Programs, p => Assert.DoesNotContain(Key, (p.Reason ?? "") + p.FirstFault, StringComparison.Ordinal));
            foreach (var file in Directory.EnumerateFiles(cache, "*", SearchOption.AllDirectories))
            {
                Assert.DoesNotContain(Key, File.ReadAllText(file), StringComparison.Ordinal);
            }

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"hostile corpus through the engine: {corpus.Count} programs, {corpus.Count - runnable.Count} rejected before running, " +
                $"{runnable.Count - withinLimits.Count} disabled while running ({killed} by stopping their worker), " +
                $"{withinLimits.Count} finished within the worker's limits ({string.Join(", ", withinLimits)}); " +
                string.Join("; ", result.Programs.Take(runnable.Count).Select(p => $"{p.Name} {p.Time.TotalSeconds:0.0}s")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(KeyVariable, previousKey);
            Directory.Delete(cache, recursive: true);
        }
    }
}
