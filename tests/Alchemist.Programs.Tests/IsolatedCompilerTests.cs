using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Xunit;

namespace Alchemist.Programs.Tests;

/// <summary>
/// The compiler process: it gives what compiling here gives, it holds no key, and a compile that overruns its time is
/// stopped and rejects that one program while the next compile gets a fresh process.
/// </summary>
public sealed class IsolatedCompilerTests
{
    private const string Benign = """
        public static int Label(string text) => text.Contains("http", StringComparison.OrdinalIgnoreCase) ? 1 : text.Length < 5 ? -1 : 0;
        """;

    [Fact]
    public void A_program_compiled_in_the_compiler_process_labels_and_keys_like_one_compiled_here()
    {
        using var isolated = new IsolatedProgramCompiler(HostileCorpus.Signature);
        var local = new ProgramCompiler(HostileCorpus.Signature);
        var there = isolated.Compile(Benign, "benign").Program!;
        var here = local.Compile(Benign, "benign").Program!;

        Assert.Equal(here.CacheKey, there.CacheKey);
        Assert.Equal(here.SourceHash, there.SourceHash);
        Assert.Equal(here.EntryTypeName, there.EntryTypeName);
        string[] rows = ["see http://x.example", "ok", "a longer comment"];
        using var loaded = there.Load();
        var invoker = loaded.CreateInvoker();
        Assert.Equal([1, -1, 0], rows.Select((r, i) => (int)invoker.Label(r, i)));

        var rejected = isolated.Compile("public static int Label(string text) => System.IO.File.Exists(text) ? 1 : 0;", "reads");
        Assert.True(rejected.RejectedByVerifier);
        Assert.Equal(local.Compile("public static int Label(string text) => System.IO.File.Exists(text) ? 1 : 0;", "reads").Diagnostics, rejected.Diagnostics);
        Assert.NotNull(isolated.Walls);
        Assert.True(isolated.Walls!.CleanEnvironment, string.Join(", ", isolated.Walls.EnvironmentNames));
    }

    [Fact]
    public void A_compile_that_overruns_its_time_rejects_that_program_and_the_next_compile_gets_a_fresh_process()
    {
        // Overload resolution over 24 nested lambdas, each of which fits two overloads: exponential binding time.
        var lambdas = string.Concat(Enumerable.Range(0, 24).Select(i => $"M(x{i} => ")) + "0" + new string(')', 24);
        var bomb = $$"""
            static int M(Func<int, int> f) => 1;
            static int M(Func<string, int> f) => 2;
            public static int Label(string text) => {{lambdas}} + text.Length > 10 ? 1 : 0;
            """;
        using var isolated = new IsolatedProgramCompiler(HostileCorpus.Signature, SourceLimits.Default with { CompileTimeout = TimeSpan.FromSeconds(3) });
        Assert.True(isolated.Compile(Benign, "first").Succeeded);

        var stopped = isolated.Compile(bomb, "bomb");

        var problem = Assert.Single(stopped.Diagnostics);
        Assert.Equal(DiagnosticStage.Limits, problem.Stage);
        Assert.Contains("took longer than 3 s", problem.Message, StringComparison.Ordinal);
        var used = isolated.ProcessesUsed;
        Assert.True(isolated.Compile(Benign, "after").Succeeded);
        Assert.Equal(used + 1, isolated.ProcessesUsed);
    }
}
