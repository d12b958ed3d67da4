using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Isolation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

/// <summary>
/// Programs that the in-process budgets cannot stop, run in worker processes next to benign programs: the run finishes,
/// the hostile program is disabled with a reason, and every benign column is exactly what the native code computes.
/// </summary>
public sealed class IsolationTests
{
    [Fact]
    public void Library_loops_and_huge_allocations_are_contained_and_benign_columns_are_exact()
    {
        var comments = ApplyTestKit.YoutubeComments()[..600];
        var hostile = new (string Name, string Source, string Expected)[]
        {
            ("loop_in_bcl", """
                using System.Linq;
                public static class Program
                {
                    public static int Label(string text) => Enumerable.Repeat(0, int.MaxValue).Sum() == 1 ? 1 : -1;
                }
                """, "so its worker was killed"),
            ("huge_array", """
                public static class Program
                {
                    public static int Label(string text)
                    {
                        var big = new long[300_000_000];
                        big[text.Length] = text.Length;
                        return big[text.Length / 2] > 0 ? 1 : -1;
                    }
                }
                """, "failed on"),
            ("catch_all_loop", """
                public static class Program
                {
                    public static int Label(string text)
                    {
                        try { while (true) { } }
                        catch { }
                        return 1;
                    }
                }
                """, "failed on"),
        };

        // A small step budget makes the in-process budget stop the caught endless loop long before the worker's CPU
        // watchdog (0.5 s per batch) would, so the test sees the budget, not the watchdog, whatever the machine's speed.
        var hostileBudgets = ApplyTestKit.TestBudgets with { MaxStepsPerCall = 100_000 };
        var programs = new List<IApplyProgram>();
        foreach (var (name, source, _) in hostile)
        {
            programs.Add(new SandboxedProgram(ApplyTestKit.Compile(name, source), hostileBudgets));
        }

        programs.AddRange(ApplyTestKit.BenignPrograms());
        var result = ApplyTestKit.Apply(ApplyTestKit.Options(IsolationMode.Process),
            "train", InMemoryDataSource.FromTexts("c", "text", comments), programs, 2, cancel: TestContext.Current.CancellationToken);

        for (var h = 0; h < hostile.Length; h++)
        {
            var report = result.Programs[h];
            Assert.True(report.Status == ProgramStatus.Disabled, $"{report.Name} should be disabled: {report}");
            Assert.Contains(hostile[h].Expected, report.Reason);
            Assert.True(result.Matrix.Column(h).IndexOfAnyExcept(LabelMatrix.Abstain) < 0);
        }

        AssertBenignExact(result, hostile.Length, comments);
    }

    [Theory]
    [InlineData("exits", "System.Environment.Exit(3); return 1;", "code 3")]
    // On the worker's 512 MiB program stack the overflow may come after the CPU watchdog's half second: either ends the worker.
    [InlineData("overflows", "return Recurse(text.Length);", "worker")]
    public void A_program_that_kills_its_worker_is_disabled_and_the_others_are_kept(string name, string body, string expected)
    {
        // Built without the sandbox compiler, as if it had got past the verifier: only the worker process stands in its way.
        var comments = ApplyTestKit.YoutubeComments()[..700];
        var unverified = UnverifiedProgram.Compile(name, $$"""
            public static class Evil
            {
                public static int __AlchemistText(string text)
                {
                    if (text.Length > 0) { {{body}} }
                    return -1;
                }

                private static int Recurse(int depth) => Recurse(depth + 1) + 1;
            }
            """);
        var programs = new List<IApplyProgram>(ApplyTestKit.BenignPrograms());
        programs.Insert(2, unverified);

        var result = ApplyTestKit.Apply(ApplyTestKit.Options(IsolationMode.Process),
            "train", InMemoryDataSource.FromTexts("c", "text", comments), programs, 2, cancel: TestContext.Current.CancellationToken);

        var report = result.Programs[2];
        Assert.Equal(ProgramStatus.Disabled, report.Status);
        Assert.Contains(expected, report.Reason);
        var benign = result.Programs.Where((_, j) => j != 2).ToList();
        Assert.All(benign, p => Assert.Equal(ProgramStatus.Ok, p.Status));
        var j = 0;
        foreach (var (benignName, _, native) in ApplyTestKit.Benign)
        {
            var column = result.Programs.ToList().FindIndex(p => p.Name == benignName);
            Assert.Equal(ApplyTestKit.Native(native, comments), result.Matrix.Column(column).ToArray());
            j++;
        }

        Assert.Equal(ApplyTestKit.Benign.Length, j);
    }

    private static void AssertBenignExact(SplitApplyResult result, int offset, string[] comments)
    {
        for (var b = 0; b < ApplyTestKit.Benign.Length; b++)
        {
            var report = result.Programs[offset + b];
            Assert.True(report.Status == ProgramStatus.Ok, $"benign {report.Name} should be Ok: {report}");
            Assert.Equal(ApplyTestKit.Native(ApplyTestKit.Benign[b].Native, comments), result.Matrix.Column(offset + b).ToArray());
        }
    }

    /// <summary>A program compiled with plain Roslyn (no verifier, no budgets) that a worker can load.</summary>
    internal sealed class UnverifiedProgram(string name, byte[] image) : IApplyProgram
    {
        public string Name { get; } = name;

        public string ContentHash { get; } = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));

        public WorkerProgramImage? WorkerImage { get; } = new(
            WorkerProgramLoader.CompiledProgramKind,
            WorkerProgramLoader.Encode(name, "Evil", ApplyTestKit.Signature, image, ApplyTestKit.TestBudgets));

        public IBatchLabeler CreateLabeler() => throw new InvalidOperationException("never run unverified code in the test process");

        public static UnverifiedProgram Compile(string name, string source)
        {
            var compilation = CSharpCompilation.Create(
                "unverified_" + name,
                [CSharpSyntaxTree.ParseText(source)],
                [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            using var stream = new MemoryStream();
            var emitted = compilation.Emit(stream);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
            return new UnverifiedProgram(name, stream.ToArray());
        }
    }
}
