using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Programs.Source;
using Xunit;

namespace Alchemist.Programs.Tests.Source;

/// <summary>A class change rewrites a program so that it still compiles in the sandbox and votes the new classes exactly.</summary>
public sealed class ClassMapRewriteTests
{
    // Votes by the text's length: "" abstains, "a" is class 0, "ab" class 1, "abc" class 2, longer abstains.
    private const string ByLength = """
        // Votes SPAM (class 1) for two letters; HAM is class 0.
        public static int Label(string text) => text.Length is >= 1 and <= 3 ? text.Length - 1 : Helper(text);

        static int Helper(string text) => text == "recurse" ? Label("ab") : -1;
        """;

    private static readonly string[] Texts = ["", "a", "ab", "abc", "abcd", "recurse"];

    private static sbyte[] Votes(string source, ProgramSignature signature)
    {
        var result = new ProgramCompiler(signature).Compile(source);
        Assert.True(result.Succeeded, result.FeedbackForLlm());
        using var loaded = result.Program!.Load();
        var votes = new sbyte[Texts.Length];
        var invoker = loaded.CreateInvoker();
        invoker.LabelRange(ProgramColumns.FromTexts(Texts), 0, votes, 0);
        Assert.True(invoker.Stats.Errors == 0, string.Join(" | ", invoker.Stats.FirstErrors));
        return votes;
    }

    [Fact]
    public void Mapped_votes_are_the_old_votes_through_the_map_and_calls_inside_the_program_keep_its_own_votes()
    {
        var before = ProgramSignature.SingleText("text", ["HAM", "SPAM", "ADS"]);
        Assert.Equal([-1, 0, 1, 2, -1, 1], Votes(ByLength, before));

        // Merge SPAM and ADS into PROMO (index 1): 0 -> 0, 1 -> 1, 2 -> 1.
        var merged = ProgramSignature.SingleText("text", ["HAM", "PROMO"]);
        var source = ClassMapRewrite.MapVotes(ByLength, [0, 1, 1], merged, "merge SPAM, ADS into PROMO");

        Assert.Equal([-1, 0, 1, 1, -1, 1], Votes(source, merged));
        Assert.Contains("static int Helper(string text) => text == \"recurse\" ? LabelAsWritten(\"ab\") : -1;", source, StringComparison.Ordinal);
        Assert.Contains("// map: 0=0 1=1 2=1", source, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_change_composes_with_the_first_instead_of_nesting()
    {
        var once = ClassMapRewrite.MapVotes(ByLength, [0, 1, 1], ProgramSignature.SingleText("text", ["HAM", "PROMO"]), "merge");

        // Then HAM is removed: HAM -> abstain, PROMO -> 0, NEWS (added meanwhile) -> 1.
        var twice = ClassMapRewrite.MapVotes(once, [-1, 0, 1], ProgramSignature.SingleText("text", ["PROMO", "NEWS"]), "remove HAM");

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(twice, "<class-map>"));
        Assert.Equal([-1, 0, 0], ClassMapRewrite.ExistingMap(twice));
        Assert.Equal([-1, -1, 0, 0, -1, 0], Votes(twice, ProgramSignature.SingleText("text", ["PROMO", "NEWS"])));
    }

    [Fact]
    public void A_rename_changes_whole_words_in_comments_only()
    {
        const string source = """
            // Votes SPAM (class 1); SPAMMY words and spam are left alone.
            /* SPAM, again */
            public static int Label(string text) => text.Contains("SPAM") ? 1 : -1;
            """;

        var renamed = ClassMapRewrite.RenameInComments(source, "SPAM", "PROMO");

        Assert.Equal("""
            // Votes PROMO (class 1); SPAMMY words and spam are left alone.
            /* PROMO, again */
            public static int Label(string text) => text.Contains("SPAM") ? 1 : -1;
            """, renamed);
    }
}
