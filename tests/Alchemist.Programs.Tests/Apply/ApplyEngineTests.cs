using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

public sealed class ApplyEngineTests
{
    [Theory]
    [InlineData(IsolationMode.None, 2)]
    [InlineData(IsolationMode.None, 1)]
    [InlineData(IsolationMode.Process, 2)]
    [InlineData(IsolationMode.Process, 1)]
    public void Columns_equal_the_same_programs_compiled_natively(IsolationMode isolation, int parallelism)
    {
        var comments = ApplyTestKit.YoutubeComments();
        var programs = ApplyTestKit.BenignPrograms();
        // One thread in process labels on the caller's thread, a separate path from the reader-and-workers one.
        using var engine = new ApplyEngine(ApplyTestKit.Options(isolation) with { Parallelism = parallelism });

        var result = engine.Apply("train", InMemoryDataSource.FromTexts("youtube-train", "text", comments), programs, 2, cancel: TestContext.Current.CancellationToken);

        Assert.Equal(comments.Length, result.Matrix.Rows);
        Assert.Equal(programs.Count, result.Matrix.Programs);
        for (var j = 0; j < programs.Count; j++)
        {
            var expected = ApplyTestKit.Native(ApplyTestKit.Benign[j].Native, comments);
            Assert.Equal(expected, result.Matrix.Column(j).ToArray());
            var report = result.Programs[j];
            Assert.Equal(ProgramStatus.Ok, report.Status);
            Assert.Equal(0, report.Errors + report.BudgetExceeded);
            Assert.Equal(expected.Count(v => v != LabelMatrix.Abstain), report.Votes);
        }

        Assert.All(programs.Take(3), p => Assert.True(result.Programs.Single(r => r.Name == p.Name).Votes > 0));
    }

    [Fact]
    public void Editing_one_of_ten_programs_recomputes_only_its_column()
    {
        var comments = ApplyTestKit.YoutubeComments();
        var source = InMemoryDataSource.FromTexts("youtube-train", "text", comments);
        var cache = ApplyTestKit.TemporaryFolder();
        var sources = Enumerable.Range(0, 10).Select(i => ($"length_{i}", LengthProgram(20 + (10 * i)))).ToArray();

        var first = Apply(sources);
        Assert.Equal((0, 10), (first.CacheHits, first.CacheMisses));

        var again = Apply(sources);
        Assert.Equal((10, 0), (again.CacheHits, again.CacheMisses));
        Assert.Equal(first.Matrix.Column(4).ToArray(), again.Matrix.Column(4).ToArray());

        sources[4] = (sources[4].Item1, LengthProgram(33));
        var edited = Apply(sources);
        Assert.Equal((9, 1), (edited.CacheHits, edited.CacheMisses));
        Assert.False(edited.Programs[4].FromCache);
        Assert.All(edited.Programs.Where((_, j) => j != 4), p => Assert.True(p.FromCache));
        Assert.Equal(ApplyTestKit.Native(t => t.Length > 33 ? 1 : 0, comments), edited.Matrix.Column(4).ToArray());
        for (var j = 0; j < 10; j++)
        {
            if (j != 4)
            {
                Assert.Equal(first.Matrix.Column(j).ToArray(), edited.Matrix.Column(j).ToArray());
            }
        }

        SplitApplyResult Apply((string Name, string Source)[] programs) =>
            ApplyTestKit.Apply(ApplyTestKit.Options(IsolationMode.None, cache),
                "train",
                source,
                [.. programs.Select(p => new SandboxedProgram(ApplyTestKit.Compile(p.Name, p.Source)))],
                2,
                cancel: TestContext.Current.CancellationToken);

        static string LengthProgram(int threshold) => $$"""
            public static class Program
            {
                public static int Label(string text) => text.Length > {{threshold}} ? 1 : 0;
            }
            """;
    }

    [Theory]
    [InlineData(IsolationMode.None)]
    [InlineData(IsolationMode.Process)]
    public void A_program_failing_on_too_many_rows_is_disabled_with_the_reason(IsolationMode isolation)
    {
        var comments = ApplyTestKit.YoutubeComments();
        var failing = new SandboxedProgram(
            ApplyTestKit.Compile("index_error", """
                public static class Program
                {
                    public static int Label(string text) => text[40] == 'x' ? 1 : -1;
                }
                """),
            ApplyTestKit.TestBudgets);
        var programs = ApplyTestKit.BenignPrograms().Prepend(failing).ToArray();

        var result = ApplyTestKit.Apply(ApplyTestKit.Options(isolation), "train", InMemoryDataSource.FromTexts("c", "text", comments), programs, 2, cancel: TestContext.Current.CancellationToken);

        var report = result.Programs[0];
        Assert.Equal(ProgramStatus.Disabled, report.Status);
        Assert.Contains("failed on", report.Reason);
        Assert.Contains("row", report.Reason);
        Assert.True(result.Matrix.Column(0).IndexOfAnyExcept(LabelMatrix.Abstain) < 0, "a disabled program's column is all abstain");
        for (var j = 1; j < programs.Length; j++)
        {
            Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[j - 1].Native, comments), result.Matrix.Column(j).ToArray());
        }
    }

    [Fact]
    public void Worker_processes_are_reused_across_splits()
    {
        var comments = ApplyTestKit.YoutubeComments();
        var programs = ApplyTestKit.BenignPrograms();
        using var engine = new ApplyEngine(ApplyTestKit.Options(IsolationMode.Process));
        var cancel = TestContext.Current.CancellationToken;

        var first = engine.Apply("a", InMemoryDataSource.FromTexts("a", "text", comments[..800]), programs, 2, cancel: cancel);
        var startup = engine.WorkerStartupTime;
        var second = engine.Apply("b", InMemoryDataSource.FromTexts("b", "text", comments[800..]), programs, 2, cancel: cancel);

        Assert.True(startup > TimeSpan.Zero);
        Assert.Equal(startup, engine.WorkerStartupTime);
        for (var j = 0; j < programs.Count; j++)
        {
            Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[j].Native, comments[..800]), first.Matrix.Column(j).ToArray());
            Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[j].Native, comments[800..]), second.Matrix.Column(j).ToArray());
        }
    }

    [Fact]
    public void Rows_stream_in_order_across_many_batches()
    {
        var texts = Enumerable.Range(0, 10_000).Select(i => i % 7 == 0 ? "check out my channel" : $"row {i}").ToArray();
        var programs = ApplyTestKit.BenignPrograms();
        var options = ApplyTestKit.Options(IsolationMode.None) with { BatchSize = 97, Parallelism = 3 };

        var result = ApplyTestKit.Apply(options, "t", InMemoryDataSource.FromTexts("t", "text", texts), programs, 2, cancel: TestContext.Current.CancellationToken);

        Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[1].Native, texts), result.Matrix.Column(1).ToArray());
        Assert.Equal(texts.Length / 7 + 1, result.Programs[1].Votes);
    }

    [Fact]
    public void Every_text_reaches_a_worker_exactly_as_it_is_in_this_process()
    {
        // Empty, null, non-ASCII, astral and lone-surrogate texts: a program sees the same characters in a worker as here.
        string?[] texts = ["", null, "plain", "caf\u00e9 na\u00efve", "emoji \U0001F600 !", "lone \uD800 high", "lone \uDC00 low", new string('x', 70_000), "\u0000 nul"];
        var program = new SandboxedProgram(ApplyTestKit.Compile("char_sum", """
            public static class Program
            {
                public static int Label(string text)
                {
                    if (text == null) return -1;
                    var sum = 0;
                    foreach (var c in text) sum = (sum * 31) + c;
                    return (sum & 1) == 0 ? text.Length % 2 : -1;
                }
            }
            """));
        var expected = texts.Select(t => t is null ? (sbyte)-1 : (sbyte)Native(t)).ToArray();

        foreach (var isolation in new[] { IsolationMode.None, IsolationMode.Process })
        {
            var result = ApplyTestKit.Apply(ApplyTestKit.Options(isolation), "t", InMemoryDataSource.FromTexts("t", "text", texts!), [program], 2, cancel: TestContext.Current.CancellationToken);
            Assert.Equal(expected, result.Matrix.Column(0).ToArray());
        }

        static int Native(string text)
        {
            var sum = 0;
            foreach (var c in text)
            {
                sum = (sum * 31) + c;
            }

            return (sum & 1) == 0 ? text.Length % 2 : -1;
        }
    }

    [Fact]
    public void Threads_in_process_each_get_their_own_copy_of_a_program_and_give_it_back()
    {
        var comments = ApplyTestKit.YoutubeComments();
        var programs = ApplyTestKit.BenignPrograms();
        using var engine = new ApplyEngine(ApplyTestKit.Options(IsolationMode.None) with { Parallelism = 3 });

        for (var run = 0; run < 4; run++)
        {
            var result = engine.Apply($"run-{run}", InMemoryDataSource.FromTexts($"c{run}", "text", comments), programs, 2, cancel: TestContext.Current.CancellationToken);
            for (var j = 0; j < programs.Count; j++)
            {
                Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[j].Native, comments), result.Matrix.Column(j).ToArray());
            }
        }

        // Copies are reused run after run: never more than the threads that labeled at once.
        Assert.All(programs, p => Assert.InRange(p.LoadedCopies, 1, 3));
    }
}
