using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

/// <summary>
/// The row-order check (<see cref="ApplyOptions.CheckRowOrder"/>) on its own, with a program that keeps state the static
/// guard cannot see (a test double outside the sandbox): the check alone must find it, and leave exact programs alone.
/// </summary>
public sealed class RowOrderCheckTests
{
    [Fact]
    public void A_program_whose_votes_depend_on_the_rows_before_is_disabled_and_its_cached_column_removed()
    {
        var cache = ApplyTestKit.TemporaryFolder();
        try
        {
            string[] texts = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff"];
            var options = ApplyTestKit.Options(IsolationMode.None, cache) with { Parallelism = 1, CheckRowOrder = true };
            var exact = ApplyTestKit.BenignPrograms()[2];
            var counting = new CountingProgram();
            using var engine = new ApplyEngine(options);

            var result = engine.Apply("train", InMemoryDataSource.FromTexts("c", "text", texts), [exact, counting], 2, cancel: TestContext.Current.CancellationToken);

            Assert.Equal(2, result.ProgramsOrderChecked);
            Assert.Equal(ProgramStatus.Ok, result.Programs[0].Status);
            Assert.Equal(ProgramStatus.Disabled, result.Programs[1].Status);

            // Counting rows, it votes 0, 1, 0, 1, 0, 1 in the file's order; reversed, row 5 comes first and gets 0: row 0
            // (the first that differs) got 0 forward and, as the sixth row of the second pass, 1.
            Assert.Contains("its votes depend on the order of the rows: row 0 got class 0 in the file's order and class 1 with the rows in reverse order", result.Programs[1].Reason, StringComparison.Ordinal);
            Assert.True(result.Matrix.Column(1).IndexOfAnyExcept(LabelMatrix.Abstain) < 0);
            Assert.Single(Directory.GetFiles(cache)); // only the exact program's column stays cached
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    /// <summary>Votes by how many rows it has seen: what a program with hidden state looks like from outside.</summary>
    private sealed class CountingProgram : IApplyProgram
    {
        private int _seen;

        public string Name => "counting";

        public string ContentHash => "counting-v1";

        public WorkerProgramImage? WorkerImage => null;

        public IBatchLabeler CreateLabeler() => new Labeler(this);

        private sealed class Labeler(CountingProgram owner) : IBatchLabeler
        {
            public void Label(DataBatch batch, Span<sbyte> votes, ref RowFaults faults)
            {
                for (var i = 0; i < votes.Length; i++)
                {
                    votes[i] = (sbyte)(owner._seen++ % 2);
                }
            }
        }
    }
}

/// <summary>In process no watchdog stops a program that fails slowly on every row; its labeler stops it after its allowance.</summary>
public sealed class FaultAllowanceTests
{
    [Fact]
    public void A_program_failing_on_every_row_stops_after_its_first_chunk_of_a_large_batch()
    {
        var failing = new SandboxedProgram(ApplyTestKit.Compile("fails", "public static int Label(string text) => throw new InvalidOperationException(\"no\");"));
        var texts = Enumerable.Range(0, 2000).Select(i => $"row {i}").ToArray();
        using var engine = new ApplyEngine(ApplyTestKit.Options(IsolationMode.None) with { Parallelism = 1, BatchSize = 4096 });

        var result = engine.Apply("train", InMemoryDataSource.FromTexts("c", "text", texts), [failing], 2, cancel: TestContext.Current.CancellationToken);

        var report = Assert.Single(result.Programs);
        Assert.Equal(ProgramStatus.Disabled, report.Status);

        // The default allowance: judged after 200 rows, at most 5 % failing; the labeler looks every 256 rows.
        Assert.Equal(256, report.Errors);
        Assert.Contains("failed on 256 of 256 rows", report.Reason, StringComparison.Ordinal);
        Assert.Contains("the rest of the batch was not labeled", report.Reason, StringComparison.Ordinal);
    }
}
