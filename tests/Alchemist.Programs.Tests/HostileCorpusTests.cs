using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Programs.Runtime;
using Xunit;

namespace Alchemist.Programs.Tests;

/// <summary>
/// Every program of the hostile corpus is rejected before it runs (with a line and a reason) or contained while it runs in
/// process, and a benign program run between them on the same thread still labels exactly right. Programs only the worker
/// process can stop are compiled here but not run (the apply tests run them through the worker).
/// </summary>
public sealed class HostileCorpusTests
{
    /// <summary>Tight budgets keep the test fast; the defaults are larger.</summary>
    private static readonly ProgramBudgets TestBudgets = new()
    {
        MaxStepsPerCall = 2_000_000,
        MaxTimePerCall = TimeSpan.FromMilliseconds(200),
        MaxAllocatedBytesPerCall = 64L << 20,
        RegexMatchTimeout = TimeSpan.FromMilliseconds(50),
    };

    private static readonly string[] Rows = ["hello friend, see you tonight", "WIN a FREE iPhone now http://spam.example !!!", "ok"];

    private const string Benign = """
        public static int Label(string text)
        {
            if (text.Contains("http", StringComparison.OrdinalIgnoreCase)) return 1;
            return text.Length < 5 ? -1 : 0;
        }
        """;

    private static readonly sbyte[] BenignExpected = [0, 1, -1];

    private static readonly ProgramCompiler Compiler = new(HostileCorpus.Signature);

    private static readonly Lazy<CompiledProgram> BenignProgram = new(() => Compiler.Compile(Benign, "benign").Program!);

    public static TheoryData<string> Programs() => [.. HostileCorpus.Load().Select(p => p.Name)];

    [Fact]
    public void TheCorpusCoversEveryCategoryTheIssueNames()
    {
        var corpus = HostileCorpus.Load();
        // 78 programs before the red team of issue 11, which asked for at least 40 more.
        Assert.True(corpus.Count >= 118, $"only {corpus.Count} hostile programs");
        Assert.Contains(corpus, p => p.Expectation == HostileExpectation.RejectedAtVerify);
        Assert.Contains(corpus, p => p.Expectation == HostileExpectation.ContainedAtRun);
        Assert.Contains(corpus, p => p.Name == "bcl_loop_repeat_sum" && p.Expectation == HostileExpectation.ContainedByWorker);
        Assert.Contains(corpus, p => p.Expectation == HostileExpectation.ChangesStaticState);
        Assert.Contains(corpus, p => p.Expectation == HostileExpectation.RejectedByLimits);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void HostileProgramIsRejectedOrContained(string name)
    {
        var program = HostileCorpus.Load().Single(p => p.Name == name);
        var result = Compiler.Compile(program.Source, program.Name);
        switch (program.Expectation)
        {
            case HostileExpectation.RejectedAtVerify:
                Assert.False(result.Succeeded, $"{name} was accepted");
                Assert.True(result.RejectedByVerifier, $"{name} was not rejected by the verifier: {result.FeedbackForLlm()}");
                Assert.Contains(result.Diagnostics, d => d.Line > 0 && d.Message.Contains(program.Detail, StringComparison.Ordinal));
                break;
            case HostileExpectation.RejectedAtCompile:
                Assert.False(result.Succeeded, $"{name} was accepted");
                Assert.Contains(result.Diagnostics, d => d.Stage == DiagnosticStage.Compile && d.Message.Contains(program.Detail, StringComparison.Ordinal));
                break;
            case HostileExpectation.ContainedAtRun:
                Assert.True(result.Succeeded, result.FeedbackForLlm());
                ProgramThread.Run(() => AssertContained(program, result.Program!));
                break;
            case HostileExpectation.ContainedByWorker:
                Assert.True(result.Succeeded, result.FeedbackForLlm());
                break;
            case HostileExpectation.ChangesStaticState:
                Assert.True(result.Succeeded, result.FeedbackForLlm());
                ProgramThread.Run(() => AssertStaticStateCaught(program, result.Program!));
                break;
            case HostileExpectation.RejectedByLimits:
                Assert.False(result.Succeeded, $"{name} was accepted");
                Assert.Contains(result.Diagnostics, d => d.Stage == DiagnosticStage.Limits && d.Message.Contains(program.Detail, StringComparison.Ordinal));
                break;
        }

        Assert.All(result.Diagnostics, d => Assert.True(d.Message.Length <= Bounded.MaxMessageChars + 100, $"{name}: a diagnostic of {d.Message.Length} characters"));
    }

    /// <summary>In process, through the labeler the engine uses: the program is flagged after the batch or at the end of the split.</summary>
    private static void AssertStaticStateCaught(HostileProgram program, CompiledProgram compiled)
    {
        using var loaded = compiled.Load();
        var labeler = new Alchemist.Programs.Apply.InvokerLabeler(loaded.CreateInvoker(TestBudgets), loaded);
        var faults = Alchemist.Programs.Apply.RowFaults.None;
        var votes = new sbyte[Rows.Length];
        var batch = new Alchemist.Data.DataBatch(0, ["a", "b", "c"], new Dictionary<string, string[]> { ["text"] = Rows }, new Dictionary<string, double[]>(), new int[Rows.Length]);
        labeler.Label(batch, votes, ref faults);
        var reason = faults.DisableReason ?? labeler.FinishSplit();
        Assert.True(reason?.Contains("changed its static state", StringComparison.Ordinal) == true, $"{program.Name} changed its static state unseen");
    }

    [Fact]
    public void BenignColumnStaysExactWhenRunBetweenContainedPrograms() => ProgramThread.Run(BenignColumnStaysExact);

    private static void BenignColumnStaysExact()
    {
        using var benign = BenignProgram.Value.Load();
        var benignInvoker = benign.CreateInvoker(TestBudgets);
        var hostile = HostileCorpus.Load().Where(p => p.Expectation == HostileExpectation.ContainedAtRun && p.Detail == "budget")
            .Select(p => Compiler.Compile(p.Source, p.Name).Program!.Load()).ToList();
        try
        {
            var invokers = hostile.Select(h => h.CreateInvoker(TestBudgets)).ToList();
            var columns = ProgramColumns.FromTexts(Rows);
            foreach (var invoker in invokers)
            {
                // One hostile row, then the benign program on every row, on the same thread.
                Assert.Equal(ProgramInvoker.Abstain, invoker.Label(Rows[1], 1));
                var benignVotes = new sbyte[Rows.Length];
                benignInvoker.LabelRange(columns, 0, benignVotes, 0);
                Assert.Equal(BenignExpected, benignVotes);
            }

            Assert.Equal(0, benignInvoker.Stats.Errors);
        }
        finally
        {
            hostile.ForEach(h => h.Dispose());
        }
    }

    private static void AssertContained(HostileProgram program, CompiledProgram compiled)
    {
        using var loaded = compiled.Load();
        var invoker = loaded.CreateInvoker(TestBudgets);
        var votes = new sbyte[Rows.Length];
        invoker.LabelRange(ProgramColumns.FromTexts(Rows), 0, votes, 0);
        Assert.All(votes, v => Assert.Equal(ProgramInvoker.Abstain, v));

        var stats = invoker.Stats;
        Assert.Equal(Rows.Length, stats.Rows);
        Assert.Equal(Rows.Length, stats.Errors);
        var expectedKind = program.Detail switch
        {
            "budget" => stats.BudgetViolations,
            "exception" => stats.Exceptions,
            "invalid" => stats.InvalidResults,
            _ => stats.Errors,
        };
        Assert.True(expectedKind == Rows.Length, $"{program.Name}: expected {program.Detail} on every row, got {stats}; first: {string.Join(" | ", stats.FirstErrors)}");
        Assert.All(stats.FirstErrors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));

        using var benignLoaded = BenignProgram.Value.Load();
        var benignVotes = new sbyte[Rows.Length];
        benignLoaded.CreateInvoker(TestBudgets).LabelRange(ProgramColumns.FromTexts(Rows), 0, benignVotes, 0);
        Assert.Equal(BenignExpected, benignVotes);
    }
}
