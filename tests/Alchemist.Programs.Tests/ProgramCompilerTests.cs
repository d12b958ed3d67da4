using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Spec;
using Xunit;

namespace Alchemist.Programs.Tests;

/// <summary>The shapes LLMs write compile, run and map their results; wrong shapes are rejected with actionable reasons.</summary>
public sealed class ProgramCompilerTests
{
    private static readonly ProgramSignature Spam = ProgramSignature.SingleText("text", ["HAM", "SPAM"]);
    private static readonly ProgramCompiler SpamCompiler = new(Spam);

    private static sbyte[] Run(ProgramCompiler compiler, string source, params string[] texts)
    {
        var result = compiler.Compile(source);
        Assert.True(result.Succeeded, result.FeedbackForLlm());
        using var loaded = result.Program!.Load();
        var votes = new sbyte[texts.Length];
        var invoker = loaded.CreateInvoker();
        invoker.LabelRange(ProgramColumns.FromTexts(texts), 0, votes, 0);
        Assert.True(invoker.Stats.Errors == 0, string.Join(" | ", invoker.Stats.FirstErrors));
        return votes;
    }

    [Fact]
    public void StandaloneMethodWithHelpersLocalFunctionsAndNoUsings()
    {
        const string source = """
            static readonly string[] Words = { "free", "win" };
            static readonly Regex Link = new Regex(@"https?://", RegexOptions.IgnoreCase);

            public static int Label(string comment)
            {
                int Bangs() => comment.Count(c => c == '!');
                if (Link.IsMatch(comment) || Bangs() >= 3) return 1;
                return HasWord(comment) ? 1 : comment.Length < 4 ? -1 : 0;
            }

            bool HasWord(string s)
            {
                var lower = s.ToLowerInvariant();
                foreach (var w in Words) { if (lower.Contains(w)) return true; }
                return false;
            }
            """;
        Assert.Equal([1, 1, 1, 0, -1], Run(SpamCompiler, source, "see HTTP://x", "wow!!!", "you WIN", "nice song", "ok"));
    }

    [Fact]
    public void MethodInsideAClassInsideANamespace()
    {
        const string source = """
            using System;

            namespace Labelers
            {
                public static class SpamLabeler
                {
                    private const int Spam = 1;

                    public static int Label(string text) => text.EndsWith("?", StringComparison.Ordinal) ? 0 : Spam;
                }
            }
            """;
        Assert.Equal([0, 1], Run(SpamCompiler, source, "really?", "buy now"));
    }

    [Fact]
    public void ClassNamesAndNullableResultsAreMapped()
    {
        const string names = """
            public static string Label(string text) => text switch { "a" => "spam", "b" => "HAM", "c" => "abstain", _ => null };
            """;
        Assert.Equal([1, 0, -1, -1], Run(SpamCompiler, names, "a", "b", "c", "d"));

        const string nullable = "public static int? Label(string text) => text.Length > 3 ? 1 : null;";
        Assert.Equal([1, -1], Run(SpamCompiler, nullable, "long one", "x"));
    }

    [Fact]
    public void ResultsOutsideTheClassesAreErrorsNotLabels()
    {
        var result = SpamCompiler.Compile("public static int Label(string text) => text.Length == 1 ? 2 : text.Length == 2 ? -5 : 1;");
        using var loaded = result.Program!.Load();
        var invoker = loaded.CreateInvoker();
        Assert.Equal(-1, invoker.Label("a", 10));
        Assert.Equal(-1, invoker.Label("ab", 11));
        Assert.Equal(1, invoker.Label("abc", 12));
        Assert.Equal(2, invoker.Stats.InvalidResults);
        Assert.Equal(1, invoker.Stats.Votes);
        Assert.Contains("returned 2, which is not a class index; valid: 0 (HAM), 1 (SPAM)", invoker.Stats.FirstErrors[0].ToString(), StringComparison.Ordinal);
        Assert.Equal(10, invoker.Stats.FirstErrors[0].Row);
    }

    [Theory]
    [InlineData("score", "Score", "fields 'score' and 'Score' would both be read as row.Score")]
    [InlineData("text", "row", "field 'row' would be read as row.Row, the name of the row record itself")]
    public void FieldsThatWouldBeOneMemberOfTheRowRecordAreRefusedWithTheirNames(string first, string second, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new ProgramSignature([new InputField(first, InputType.Text), new InputField(second, InputType.Number)], ["DOG", "CAT"]));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("rename", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MultiFieldTasksGetAGeneratedRecord()
    {
        var signature = new ProgramSignature(
            [new InputField("title", InputType.Text), new InputField("catScore", InputType.Number), new InputField("body", InputType.Text)],
            ["DOG", "CAT"]);
        Assert.Equal("public sealed record Row(string Title, double CatScore, string Body);", signature.RowRecordSource);
        var compiler = new ProgramCompiler(signature);

        // The LLM echoed the record from the prompt: the generated one wins, no clash.
        const string withRecord = """
            public sealed record Row(string Title, double CatScore, string Body);

            public static int Label(Row row) => row.CatScore > 0.5 ? 1 : row.Title.Contains("dog") || row.Body.Contains("woof") ? 0 : -1;
            """;
        const string byFields = "public static int Label(string title, double catScore, string body) => catScore > 0.5 ? 1 : -1;";
        var columns = new ProgramColumns([["a dog", "x", "y"], ["", "", "woof"]], [[0.1, 0.9, 0.2]], 3);
        foreach (var (source, expected) in new[] { (withRecord, new sbyte[] { 0, 1, 0 }), (byFields, new sbyte[] { -1, 1, -1 }) })
        {
            var result = compiler.Compile(source);
            Assert.True(result.Succeeded, result.FeedbackForLlm());
            using var loaded = result.Program!.Load();
            var votes = new sbyte[3];
            loaded.CreateInvoker().LabelRange(columns, 0, votes, 0);
            Assert.Equal(expected, votes);
        }
    }

    [Theory]
    [InlineData("public static int Classify(string text) => 1;", "there is no method named Label")]
    [InlineData("public class P { public int Label(string text) => 1; }", "Label must be static")]
    [InlineData("public static int Label(string text, int extra) => 1;", "Label must take the row as one string")]
    [InlineData("public static bool Label(string text) => true;", "Label returns bool")]
    [InlineData("public static int Label(string text) => Missing(text);", "error CS0103")]
    public void WrongShapesAreRejectedWithReasons(string source, string reason)
    {
        var result = SpamCompiler.Compile(source);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains(reason, StringComparison.Ordinal));
        Assert.Contains(reason, result.FeedbackForLlm(), StringComparison.Ordinal);
    }

    [Fact]
    public void DiagnosticsCarryTheLinesOfTheOriginalText()
    {
        const string source = """
            using System.Linq;

            public static int Label(string text)
            {
                var ok = text.Length > 2;
                System.IO.File.Delete("/tmp/x");
                return ok ? 1 : 0;
            }
            """;
        var diagnostic = Assert.Single(SpamCompiler.Compile(source).Diagnostics);
        Assert.Equal(DiagnosticStage.Verify, diagnostic.Stage);
        Assert.Equal(6, diagnostic.Line);
        Assert.Contains("'File.Delete' is not allowed", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProgramFileDiagnosticsUseFileLines()
    {
        var file = new ProgramFile("p", ProgramProvenance.ByPerson("me", DateTimeOffset.UnixEpoch), "public static int Label(string text)\n{\n    Console.Write(text);\n    return 0;\n}\n");
        var diagnostic = Assert.Single(SpamCompiler.Compile(file).Diagnostics);
        Assert.Equal(file.HeaderLines + 3, diagnostic.Line);
    }

    [Fact]
    public void CacheKeyFollowsSourceAndSignatureButNotTheName()
    {
        const string source = "public static int Label(string text) => 1;";
        var a = SpamCompiler.Compile(source, "a").Program!;
        var b = SpamCompiler.Compile(source, "b").Program!;
        var edited = SpamCompiler.Compile(source + " ", "a").Program!;
        var otherClasses = new ProgramCompiler(ProgramSignature.SingleText("text", ["NO", "YES"])).Compile(source, "a").Program!;
        Assert.Equal(a.CacheKey, b.CacheKey);
        Assert.NotEqual(a.CacheKey, edited.CacheKey);
        Assert.NotEqual(a.CacheKey, otherClasses.CacheKey);
    }

    [Fact]
    public void ImagesLoadIndependentlyOfTheCompiler()
    {
        var compiled = SpamCompiler.Compile("public static int Label(string text) => text.Length % 2;").Program!;
        using var loaded = LoadedProgram.FromImage("copy", compiled.Image.ToArray(), compiled.EntryTypeName, compiled.Signature);
        var invoker = loaded.CreateInvoker();
        Assert.Equal(1, invoker.Label("abc", 0));
        Assert.Equal(0, invoker.Label("ab", 1));
    }

    [Theory]
    [InlineData("", 2)] // plain C# dropped into the folder: no header
    [InlineData("// alchemist-program: typo\n// author: person\n\n\n\n", 7)] // a short header and three blank lines
    public void Errors_in_a_program_file_name_the_line_the_file_has(string header, int expectedLine)
    {
        var text = header + "public static int Label(string text)\n    => text.Lenght > 5 ? 1 : -1;\n";
        var file = ProgramFile.Parse(text, "typo");
        var compiled = new ProgramCompiler(Spam).Compile(file);
        Assert.Null(compiled.Program);
        var error = Assert.Single(compiled.Diagnostics);
        Assert.Equal(expectedLine, error.Line);
        Assert.Contains("Lenght", text.Split('\n')[expectedLine - 1], StringComparison.Ordinal);
    }
}
