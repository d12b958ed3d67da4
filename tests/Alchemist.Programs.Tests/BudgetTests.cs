using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Programs.Runtime;
using Xunit;

namespace Alchemist.Programs.Tests;

/// <summary>What the injected budgets do at run time, beyond the hostile corpus: each budget trips with its own reason,
/// violations cannot be laundered, and failing programs are flagged for disabling.</summary>
public sealed class BudgetTests
{
    private static readonly ProgramCompiler Compiler = new(ProgramSignature.SingleText("text", ["HAM", "SPAM"]));

    private static ProgramInvoker Invoker(string source, ProgramBudgets budgets, out LoadedProgram loaded)
    {
        var result = Compiler.Compile(source);
        Assert.True(result.Succeeded, result.FeedbackForLlm());
        loaded = result.Program!.Load();
        return loaded.CreateInvoker(budgets);
    }

    [Theory]
    [InlineData("while (true) { }", BudgetKind.Steps, "steps")]
    [InlineData("var x = new List<int[]>(); while (true) x.Add(new int[1000]);", BudgetKind.Allocation, "allocated more than")]
    [InlineData("return Deep(0); } static int Deep(int n) { return Deep(n + 1) + 1;", BudgetKind.Stack, "stack budget")]
    [InlineData("var r = new Regex(\"^(a+)+$\"); return r.IsMatch(new string('a', 40) + \"!\") ? 1 : 0;", BudgetKind.RegexTimeout, "match timeout")]
    public void EachBudgetTripsWithItsReason(string body, BudgetKind kind, string reason)
    {
        var budgets = new ProgramBudgets
        {
            MaxStepsPerCall = kind == BudgetKind.Steps ? 1_000_000 : long.MaxValue,
            MaxAllocatedBytesPerCall = 16L << 20,
            RegexMatchTimeout = TimeSpan.FromMilliseconds(20),
            MaxTimePerCall = TimeSpan.FromSeconds(10),
        };
        var invoker = Invoker($"public static int Label(string text) {{ {body} }}", budgets, out var loaded);
        using (loaded)
        {
            Assert.Equal(-1, invoker.Label("x", 42));
            Assert.Equal(1, invoker.Stats.BudgetViolations);
            var error = Assert.Single(invoker.Stats.FirstErrors);
            Assert.Equal(42, error.Row);
            Assert.Equal(ProgramErrorKind.Budget, error.Kind);
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheDeadlineStopsSlowRowsThatStayUnderTheStepBudget()
    {
        const string source = """
            public static int Label(string text)
            {
                var n = 0;
                while (true) { n += text.ToUpperInvariant().Length; }
            }
            """;
        var invoker = Invoker(source, new ProgramBudgets { MaxTimePerCall = TimeSpan.FromMilliseconds(50), MaxStepsPerCall = long.MaxValue }, out var loaded);
        using (loaded)
        {
            Assert.Equal(-1, invoker.Label("some text", 0));
            Assert.Contains("longer than 50 ms", invoker.Stats.FirstErrors[0].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AViolationCaughtByTheProgramStillDiscardsItsResult()
    {
        // The program's catch filter is evaluated first ("when (Budget.MayCatch(e) && ...)") and the flag stays set, so the
        // host discards the label even though control came back normally.
        const string source = """
            public static int Label(string text)
            {
                var caught = 0;
                for (var i = 0; i < 3; i++)
                {
                    try { while (true) { } }
                    catch (Exception) { caught++; }
                }

                return caught > 0 ? 1 : 0;
            }
            """;
        var invoker = Invoker(source, new ProgramBudgets { MaxStepsPerCall = 100_000 }, out var loaded);
        using (loaded)
        {
            Assert.Equal(-1, invoker.Label("x", 0));
            Assert.Equal(1, invoker.Stats.BudgetViolations);
        }
    }

    [Fact]
    public void ARowAfterAViolationStartsWithAFreshBudget()
    {
        const string source = "public static int Label(string text) { if (text == \"loop\") { while (true) { } } try { return text.Length > 2 ? 1 : 0; } catch { return -1; } }";
        var invoker = Invoker(source, new ProgramBudgets { MaxStepsPerCall = 100_000 }, out var loaded);
        using (loaded)
        {
            var votes = new sbyte[4];
            invoker.LabelRange(ProgramColumns.FromTexts(["loop", "long", "ab", "loop"]), 0, votes, 100);
            Assert.Equal([-1, 1, 0, -1], votes);
            Assert.Equal(2, invoker.Stats.BudgetViolations);
            Assert.Equal([100L, 103L], invoker.Stats.FirstErrors.Select(e => e.Row));
        }
    }

    [Fact]
    public void ProgramsFailingOnTooManyRowsAreFlaggedForDisabling()
    {
        const string source = "public static int Label(string text) => text.Length > 1 ? int.Parse(text) : 0;";
        var invoker = Invoker(source, new ProgramBudgets { MinRowsBeforeDisabling = 10, MaxErrorShare = 0.2 }, out var loaded);
        using (loaded)
        {
            var texts = Enumerable.Range(0, 20).Select(i => i % 3 == 0 ? "not a number" : "1").ToArray();
            var votes = new sbyte[texts.Length];
            invoker.LabelRange(ProgramColumns.FromTexts(texts), 0, votes, 0);
            Assert.Equal(7, invoker.Stats.Exceptions);
            Assert.True(invoker.ShouldDisable(out var reason));
            Assert.Contains("failed on 7 of 20 rows", reason, StringComparison.Ordinal);
            Assert.Contains("FormatException", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void StatsFromSeveralThreadsAddUp()
    {
        var result = Compiler.Compile("public static int Label(string text) => text.Length switch { 0 => -1, 1 => 0, _ => 1 };");
        using var loaded = result.Program!.Load();
        var texts = Enumerable.Range(0, 30_000).Select(i => new string('x', i % 3)).ToArray();
        var columns = ProgramColumns.FromTexts(texts);
        var votes = new sbyte[texts.Length];
        var total = new InvocationStats();
        Parallel.For(0, 3, part =>
        {
            var invoker = loaded.CreateInvoker();
            invoker.LabelRange(columns, part * 10_000, votes.AsSpan(part * 10_000, 10_000), part * 10_000);
            lock (total)
            {
                total.Add(invoker.Stats);
            }
        });
        Assert.Equal(30_000, total.Rows);
        Assert.Equal(10_000, total.Abstentions);
        Assert.Equal(20_000, total.Votes);
        Assert.True(votes.Select((v, i) => v == (i % 3 == 0 ? -1 : i % 3 == 1 ? 0 : 1)).All(ok => ok));
    }

    [Fact]
    public void EveryRegexGetsATimeoutAndConstantPatternsAreBuiltOnce()
    {
        const string source = """
            static readonly Regex A = new(@"a+");
            static readonly Regex B = new Regex(@"b+", RegexOptions.IgnoreCase);
            static readonly Regex C = new Regex(@"c+", RegexOptions.None, TimeSpan.FromHours(1));

            public static int Label(string text)
            {
                var local = new Regex("v+");
                var dynamicPattern = text.Length > 3 ? "q" : "r";
                return Regex.IsMatch(text, "x") || Regex.Replace(text, "y", "z", RegexOptions.IgnoreCase) != text || Regex.IsMatch(text, "x")
                       || Regex.Matches(input: text, pattern: "w").Count > 0 || Regex.IsMatch(text, dynamicPattern) || local.IsMatch(text) ? 1 : 0;
            }
            """;
        Assert.True(Compiler.Compile(source).Succeeded);
        var instrumented = ProgramCompiler.LastInstrumentedSource!;

        // Hoisted into static fields: "x" (twice, one field), "y" with IgnoreCase, and the local "v+".
        Assert.Equal(3, CountOf(instrumented, "static readonly global::System.Text.RegularExpressions.Regex __alchemistRegex"));
        Assert.DoesNotContain("Regex.IsMatch(text, \"x\")", instrumented, StringComparison.Ordinal);

        // A, B, the named-argument Matches call and the non-constant pattern get a timeout argument; C's own timeout is capped.
        Assert.Equal(4, CountOf(instrumented, "matchTimeout:"));
        Assert.Equal(1, CountOf(instrumented, "ClampRegexTimeout("));
    }

    [Fact]
    public void HoistingKeepsWhereAndWhenRegexesFail()
    {
        // An invalid constant pattern still throws at the call (caught here), and a static initializer that uses a
        // constant pattern through a helper still sees it initialized.
        const string source = """
            static readonly bool Ready = Check("abc");

            static bool Check(string s) => Regex.IsMatch(s, "^[a-z]+$");

            public static int Label(string text)
            {
                try { return Regex.IsMatch(text, "(") ? 1 : 0; }
                catch (ArgumentException) { return Ready && Check(text) ? 1 : 0; }
            }
            """;
        var invoker = Invoker(source, ProgramBudgets.Default, out var loaded);
        using (loaded)
        {
            Assert.Equal(1, invoker.Label("hello", 0));
            Assert.Equal(0, invoker.Label("Hello!", 1));
            Assert.Equal(0, invoker.Stats.Errors);
        }
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;
}
