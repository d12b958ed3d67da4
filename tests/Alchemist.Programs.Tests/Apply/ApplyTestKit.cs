using Alchemist.Data;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Runtime;
using Alchemist.Tests;

namespace Alchemist.Programs.Tests.Apply;

/// <summary>Benign programs with their native twins, real comments to run them on, and small limits that keep tests fast.</summary>
internal static class ApplyTestKit
{
    public static readonly string[] Classes = ["HAM", "SPAM"];

    public static readonly ProgramSignature Signature = ProgramSignature.SingleText("text", Classes);

    private static readonly Lazy<ProgramCompiler> Compiler = new(() => new ProgramCompiler(Signature));

    /// <summary>Benign programs as an LLM would write them, each with the same logic written natively in this test.</summary>
    public static readonly (string Name, string Source, Func<string, int> Native)[] Benign =
    [
        ("has_url", """
            using System.Text.RegularExpressions;
            public static class Program
            {
                private static readonly Regex Url = new(@"https?://|www\.", RegexOptions.IgnoreCase);
                public static int Label(string text) => Url.IsMatch(text) ? 1 : -1;
            }
            """, text => System.Text.RegularExpressions.Regex.IsMatch(text, @"https?://|www\.", System.Text.RegularExpressions.RegexOptions.IgnoreCase) ? 1 : -1),
        ("keywords", """
            using System;
            using System.Linq;
            public static class Program
            {
                private static readonly string[] Words = { "subscribe", "check out", "my channel" };
                public static int Label(string text) => Words.Any(w => text.Contains(w, StringComparison.OrdinalIgnoreCase)) ? 1 : -1;
            }
            """, text => new[] { "subscribe", "check out", "my channel" }.Any(w => text.Contains(w, StringComparison.OrdinalIgnoreCase)) ? 1 : -1),
        ("short_is_ham", """
            public static class Program
            {
                public static int Label(string text) => text.Length < 25 ? 0 : -1;
            }
            """, text => text.Length < 25 ? 0 : -1),
        ("exclamations", """
            public static class Program
            {
                public static int Label(string text)
                {
                    var count = 0;
                    foreach (var c in text)
                    {
                        if (c == '!') count++;
                    }
                    return count >= 3 ? 1 : -1;
                }
            }
            """, text => text.Count(c => c == '!') >= 3 ? 1 : -1),
        ("song_words", """
            public static class Program
            {
                public static int Label(string text) => text.ToLowerInvariant().Contains("song") || text.ToLowerInvariant().Contains("love") ? 0 : -1;
            }
            """, text => text.ToLowerInvariant().Contains("song") || text.ToLowerInvariant().Contains("love") ? 0 : -1),
    ];

    /// <summary>Per-call budgets small enough that a runaway program is stopped in milliseconds.</summary>
    public static readonly ProgramBudgets TestBudgets = ProgramBudgets.Default with
    {
        MaxTimePerCall = TimeSpan.FromMilliseconds(25),
        MaxStepsPerCall = 2_000_000,
        MaxAllocatedBytesPerCall = 16L << 20,
        RegexMatchTimeout = TimeSpan.FromMilliseconds(20),
    };

    public static CompiledProgram Compile(string name, string source)
    {
        var result = Compiler.Value.Compile(source, name);
        return result.Program ?? throw new InvalidOperationException($"'{name}' did not compile: {result.FeedbackForLlm()}");
    }

    public static CompileResult TryCompile(string name, string source) => Compiler.Value.Compile(source, name);

    /// <summary>
    /// The benign programs under the default budgets: wall-clock budgets are tight only for hostile programs, because on a
    /// loaded machine a first call (JIT, regex set-up) can overrun 20 ms and turn a correct vote into a counted abstain.
    /// </summary>
    public static IReadOnlyList<SandboxedProgram> BenignPrograms() =>
        [.. Benign.Select(b => new SandboxedProgram(Compile(b.Name, b.Source)))];

    /// <summary>The YouTube comments (train split) from the shared benchmark data.</summary>
    public static string[] YoutubeComments() =>
        WrenchSource.Open(SharedFolder.Dataset("youtube"), "train").ReadAll().Text("text");

    public static ApplyOptions Options(IsolationMode isolation, string? cache = null) => new()
    {
        Isolation = isolation,
        Parallelism = 2,
        BatchSize = 256,
        CpuLimitPerBatch = TimeSpan.FromSeconds(0.5),
        WallLimitPerBatch = TimeSpan.FromSeconds(6),
        WorkerHeapLimitBytes = 256L << 20,
        CacheDirectory = cache,
    };

    /// <summary>Applies with a fresh engine and disposes it (its worker processes) afterwards.</summary>
    public static SplitApplyResult Apply(ApplyOptions options, string split, IDataSource source, IReadOnlyList<IApplyProgram> programs, int classes, CancellationToken cancel)
    {
        using var engine = new ApplyEngine(options);
        return engine.Apply(split, source, programs, classes, cancel: cancel);
    }

    public static sbyte[] Native(Func<string, int> label, string[] texts) => [.. texts.Select(t => (sbyte)label(t))];

    public static string TemporaryFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), "alchemist-apply-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
