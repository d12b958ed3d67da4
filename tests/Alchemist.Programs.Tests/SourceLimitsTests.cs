using Alchemist.Programs.Compilation;
using Xunit;

namespace Alchemist.Programs.Tests;

/// <summary>
/// The checks a source passes before Roslyn sees it, by hand-counted examples: brackets inside strings, characters and
/// comments do not count; interpolation holes and generic arguments do; the reason names the line.
/// </summary>
public sealed class SourceLimitsTests
{
    private static readonly SourceLimits Limits = SourceLimits.Default with { MaxNesting = 10 };

    [Theory]
    [InlineData("var s = \"((((((((((((((((((((\";")]
    [InlineData("var s = @\"((((((((((((((((\"\"(((((\";")]
    [InlineData("var s = \"\"\"\n((((((((((((((((((((\n\"\"\";")]
    [InlineData("// ((((((((((((((((((((\nvar x = 1;")]
    [InlineData("/* [[[[[[[[[[[[[[[[[[[[[[ */ var x = 1;")]
    [InlineData("var c = '('; var d = '\\''; var e = '{';")]
    [InlineData("var s = $\"{{{{{{{{{{{{{{{{{{{{ {x} ((((((((((((\";")]
    [InlineData("if (a < b && c < d && e < f && g < h && i < j && k < l && m < n && o < p && q < r && s < t && u < v) { }")]
    [InlineData("for (var i = 0; i < n; i++) { } for (var j = 0; j < m; j++) { } for (var k = 0; k < o; k++) { } for (var l = 0; l < p; l++) { }")]
    public void Brackets_in_strings_characters_and_comments_and_comparisons_do_not_count(string body) =>
        Assert.Null(Limits.Check(body));

    [Theory]
    [InlineData("var x = ((((((((((((1)))))))))));", 1)]
    [InlineData("var x = 1;\nvar y = 2;\nList<List<List<List<List<List<List<List<List<List<List<int>>>>>>>>>>> z;", 3)]
    [InlineData("var s = $\"{$\"{$\"{$\"{$\"{$\"{$\"{$\"{$\"{$\"{$\"{1}\"}\"}\"}\"}\"}\"}\"}\"}\"}\"}\";", 1)]
    [InlineData("{\n{{{{{{{{{{{}}}}}}}}}}}\n}", 2)]
    public void Nesting_past_the_limit_is_refused_at_its_line(string body, int line)
    {
        var problem = Assert.IsType<ProgramDiagnostic>(Limits.Check(body));
        Assert.Equal(DiagnosticStage.Limits, problem.Stage);
        Assert.Equal(line, problem.Line);
        Assert.Contains("nested more than 10 deep", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Size_counts_UTF8_bytes()
    {
        var limits = SourceLimits.Default with { MaxBytes = 10 };
        Assert.Null(limits.Check("ééééé")); // 10 bytes
        var problem = Assert.IsType<ProgramDiagnostic>(limits.Check("éééééé"));
        Assert.Contains("has 12 bytes, more than the 10", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deep_syntax_tree_of_shallow_text_is_refused_after_parsing_without_recursion()
    {
        var chain = string.Join('+', Enumerable.Repeat("1", 3000));
        var result = new ProgramCompiler(HostileCorpus.Signature).Compile($"public static int Label(string text) => {chain} > 0 ? 1 : 0;");
        var problem = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticStage.Limits, problem.Stage);
        Assert.Contains("nested more than 2000 deep", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bounded_text_keeps_its_start_and_says_how_long_it_was()
    {
        Assert.Equal("short", Bounded.Text("short", 10));
        Assert.Equal("0123456789 … (truncated: 20 characters in all)", Bounded.Text("01234567890123456789", 10));
        Assert.Equal("012345678 … (truncated: 11 characters in all)", Bounded.Text("012345678\ud83d\ude00", 10)); // never half a character
    }

    [Fact]
    public void A_bounded_line_shows_no_escape_sequence_or_line_break_another_process_sent()
    {
        // An ANSI colour escape, a terminal title (OSC ... BEL) and a line break that would fake a log line.
        Assert.Equal("bad ?[31mred?]0;owned?? next: ok", Bounded.Line("bad \u001b[31mred\u001b]0;owned\u0007\n next: ok", 100));
        Assert.Equal("ab?d … (truncated: 6 characters in all)", Bounded.Line("ab\rdef", 4));
    }
}
