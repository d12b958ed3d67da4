using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

/// <summary>
/// A row that breaks a worker breaks only itself: the engine splits the batch a worker died on until it has the one row
/// that kills it, that row abstains for the program that died on it, and the program keeps every other vote. A program that
/// kills its worker on many rows, or is slow on every row, is still disabled.
/// </summary>
public sealed class PoisonRowTests
{
    private const int Classes = 2;

    [Fact]
    public void Rows_too_big_for_the_workers_heap_abstain_and_every_program_keeps_its_other_votes()
    {
        // 16.8 million characters travel as 34 MB of UTF-16, read into a frame and then a string of that size each: more
        // than a 40 MiB heap cap holds, so every worker that gets such a row dies of it before any program runs on it (one
        // death for all the programs owed, once the row is found). Four such rows, one per batch: more than a program may
        // lose of its own, but these are the data's, and no program is disabled for them. Every program but one votes on
        // such a text where it can run, so an abstain is the engine's, not the program's.
        var texts = ApplyTestKit.YoutubeComments()[..800].ToList();
        var huge = string.Concat(Enumerable.Repeat("Subscribe! check out my channel!!! www.song.com ", 350_000));
        int[] hugeRows = [100, 300, 500, 700];
        foreach (var row in hugeRows)
        {
            texts[row] = huge; // one string, four rows: the test holds 34 MB, not 136
        }

        var programs = ApplyTestKit.BenignPrograms();
        var options = ApplyTestKit.Options(IsolationMode.Process) with { WorkerHeapLimitBytes = 40L << 20 };

        var result = ApplyTestKit.Apply(options, "train", new IdentifiedTexts([.. texts]), programs, Classes, TestContext.Current.CancellationToken);

        for (var b = 0; b < ApplyTestKit.Benign.Length; b++)
        {
            var report = result.Programs[b];
            Assert.True(report.Status == ProgramStatus.Ok, $"{report.Name} should stay active: {report.Reason}");
            var expected = ApplyTestKit.Native(ApplyTestKit.Benign[b].Native, [.. texts]);
            foreach (var row in hugeRows)
            {
                expected[row] = LabelMatrix.Abstain;
            }

            Assert.Equal(expected, result.Matrix.Column(b).ToArray());
            Assert.Equal(hugeRows.Select(r => (long)r), report.PoisonRows.Select(p => p.Row).Order());
            Assert.Equal(hugeRows.Select(r => $"c{r}"), report.PoisonRows.OrderBy(p => p.Row).Select(p => p.RowId));
            Assert.All(report.PoisonRows, p => Assert.StartsWith(
                "the row broke the worker before any program ran on it: the worker process exited with code", p.Reason, StringComparison.Ordinal));
            Assert.Equal("row 300 (id 'c300')", report.PoisonRows.Single(p => p.Row == 300).Describe());
            // The poison rows are the program's only faults: 4 errors in 800 rows.
            Assert.Equal(4, report.Errors);
            Assert.Equal(800, report.Rows);
        }
    }

    [Fact]
    public void A_program_that_kills_its_worker_on_one_row_keeps_its_other_votes_and_its_neighbours_stay_exact()
    {
        // Its stack buffer grows with the text: 256 bytes per character overflows the worker's 512 MiB program stack on a
        // text of 3 million characters (an uncatchable crash of the worker), and fits on every comment.
        var hog = IsolationTests.UnverifiedProgram.Compile("stack_hog", """
            public static class Evil
            {
                public static int __AlchemistText(string text)
                {
                    System.Span<byte> room = stackalloc byte[text.Length * 256 + 1];
                    room[room.Length - 1] = (byte)(text.Length & 1);
                    return room[room.Length - 1];
                }
            }
            """);
        var texts = ApplyTestKit.YoutubeComments()[..700].ToList();
        const int longRow = 350;
        texts.Insert(longRow, string.Concat(Enumerable.Repeat("check out my channel! ", 150_000)));
        var programs = new List<IApplyProgram>(ApplyTestKit.BenignPrograms());
        programs.Insert(2, hog);

        var result = ApplyTestKit.Apply(ApplyTestKit.Options(IsolationMode.Process), "train", new IdentifiedTexts([.. texts]), programs, Classes, TestContext.Current.CancellationToken);

        var report = result.Programs[2];
        Assert.True(report.Status == ProgramStatus.Ok, $"the program should stay active: {report.Reason}");
        var expected = texts.Select(t => (sbyte)(t.Length & 1)).ToArray();
        expected[longRow] = LabelMatrix.Abstain;
        Assert.Equal(expected, result.Matrix.Column(2).ToArray());
        var poison = Assert.Single(report.PoisonRows);
        Assert.Equal(longRow, poison.Row);
        Assert.Equal("c350", poison.RowId);
        Assert.Equal(1, report.Errors);

        // The other programs ran on the long row too, in the pieces of the batch, and every vote of theirs is exact.
        var b = 0;
        for (var j = 0; j < programs.Count; j++)
        {
            if (j == 2)
            {
                continue;
            }

            var other = result.Programs[j];
            Assert.True(other.Status == ProgramStatus.Ok, $"{other.Name}: {other.Reason}");
            Assert.Empty(other.PoisonRows);
            Assert.Equal(0, other.Errors);
            Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[b].Native, [.. texts]), result.Matrix.Column(j).ToArray());
            b++;
        }
    }

    [Fact]
    public void A_program_that_kills_its_worker_on_every_row_is_disabled_naming_the_rows()
    {
        var killer = IsolationTests.UnverifiedProgram.Compile("exits", """
            public static class Evil
            {
                public static int __AlchemistText(string text)
                {
                    System.Environment.Exit(3);
                    return -1;
                }
            }
            """);
        var texts = ApplyTestKit.YoutubeComments()[..600];
        var programs = new List<IApplyProgram>(ApplyTestKit.BenignPrograms());
        programs.Insert(1, killer);

        var result = ApplyTestKit.Apply(ApplyTestKit.Options(IsolationMode.Process), "train", new IdentifiedTexts(texts), programs, Classes, TestContext.Current.CancellationToken);

        var report = result.Programs[1];
        Assert.Equal(ProgramStatus.Disabled, report.Status);
        Assert.StartsWith("killed its worker on 4 different rows (row ", report.Reason, StringComparison.Ordinal);
        Assert.Contains("more than the 3 rows a program may lose that way", report.Reason, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", report.Reason, StringComparison.Ordinal);
        Assert.Equal(4, report.Reason!.Split("(id 'c", StringSplitOptions.None).Length - 1);
        Assert.True(result.Matrix.Column(1).IndexOfAnyExcept(LabelMatrix.Abstain) < 0);
        AssertBenignExact(result, programs, texts, skip: 1);
    }

    [Fact]
    public void A_row_a_program_loops_on_is_found_through_the_cpu_watchdog()
    {
        // An endless loop on one row: the CPU watchdog (0.5 s per batch here) kills the worker, and the halving finds the row.
        var looper = IsolationTests.UnverifiedProgram.Compile("loops", """
            public static class Evil
            {
                public static int __AlchemistText(string text)
                {
                    if (text.IndexOf('\u0001') >= 0) { while (true) { } }
                    return text.Length & 1;
                }
            }
            """);
        var texts = ApplyTestKit.YoutubeComments()[..600].ToList();
        const int looping = 400;
        texts.Insert(looping, "\u0001 this row never ends");
        var programs = new List<IApplyProgram>(ApplyTestKit.BenignPrograms());
        programs.Insert(0, looper);

        var result = ApplyTestKit.Apply(ApplyTestKit.Options(IsolationMode.Process), "train", new IdentifiedTexts([.. texts]), programs, Classes, TestContext.Current.CancellationToken);

        var report = result.Programs[0];
        Assert.True(report.Status == ProgramStatus.Ok, $"the program should stay active: {report.Reason}");
        var poison = Assert.Single(report.PoisonRows);
        Assert.Equal(looping, poison.Row);
        Assert.Contains("of CPU time on one batch of 1 rows", poison.Reason, StringComparison.Ordinal);
        var expected = texts.Select(t => (sbyte)(t.Length & 1)).ToArray();
        expected[looping] = LabelMatrix.Abstain;
        Assert.Equal(expected, result.Matrix.Column(0).ToArray());
        AssertBenignExact(result, programs, [.. texts], skip: 0);
    }

    [Fact]
    public void A_program_slow_on_every_row_is_disabled_by_the_watchdog_not_split_without_end()
    {
        // 5 ms on every row: a batch of 256 rows needs 1.3 s against the watchdog's 0.5 s. Halving would let pieces of 64
        // rows finish, batch after batch; the program's own speed explains the kill, so it is disabled as before.
        var slow = IsolationTests.UnverifiedProgram.Compile("slow", """
            public static class Evil
            {
                public static int __AlchemistText(string text)
                {
                    var end = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency / 200;
                    while (System.Diagnostics.Stopwatch.GetTimestamp() < end) { }
                    return 1;
                }
            }
            """);
        var texts = ApplyTestKit.YoutubeComments()[..1024];
        var programs = new List<IApplyProgram>(ApplyTestKit.BenignPrograms());
        programs.Insert(3, slow);

        var result = ApplyTestKit.Apply(ApplyTestKit.Options(IsolationMode.Process), "train", new IdentifiedTexts(texts), programs, Classes, TestContext.Current.CancellationToken);

        var report = result.Programs[3];
        Assert.Equal(ProgramStatus.Disabled, report.Status);
        Assert.Contains("of CPU time on one batch", report.Reason, StringComparison.Ordinal);
        Assert.Contains("at its own speed on the rows it answered", report.Reason, StringComparison.Ordinal);
        Assert.Empty(report.PoisonRows);
        AssertBenignExact(result, programs, texts, skip: 3);
    }

    private static void AssertBenignExact(SplitApplyResult result, IReadOnlyList<IApplyProgram> programs, string[] texts, int skip)
    {
        var b = 0;
        for (var j = 0; j < programs.Count; j++)
        {
            if (j == skip)
            {
                continue;
            }

            var report = result.Programs[j];
            Assert.True(report.Status == ProgramStatus.Ok, $"benign {report.Name}: {report.Reason}");
            Assert.Empty(report.PoisonRows);
            Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[b].Native, texts), result.Matrix.Column(j).ToArray());
            b++;
        }
    }

    /// <summary>Texts with row ids "c0", "c1", ... (the in-memory source of the other tests has none).</summary>
    private sealed class IdentifiedTexts(string[] texts) : IDataSource
    {
        public string Path => "poison-test";

        public string Format => "memory";

        public IReadOnlyList<string>? ClassNames => null;

        public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
        {
            for (var start = 0; start < texts.Length; start += batchSize)
            {
                var count = Math.Min(batchSize, texts.Length - start);
                var labels = new int[count];
                Array.Fill(labels, DataBatch.NoLabel);
                yield return new DataBatch(
                    start,
                    [.. Enumerable.Range(start, count).Select(r => $"c{r}")],
                    new Dictionary<string, string[]> { ["text"] = texts.AsSpan(start, count).ToArray() },
                    new Dictionary<string, double[]>(),
                    labels);
            }
        }

        public string ContentHash() => "poison-test-" + texts.Length;
    }
}
