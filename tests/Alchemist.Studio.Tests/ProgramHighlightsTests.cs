using System.Diagnostics;
using System.Text;
using Xunit;

namespace Alchemist.Studio.Tests;

/// <summary>What a program looks for, read from its literals, and the spans of a row it marks.</summary>
public sealed class ProgramHighlightsTests
{
    [Fact]
    public void Case_labels_are_keywords_found_as_whole_words_in_any_case()
    {
        const string source = """
            // alchemist-program: spam-keywords
            // author: offline-synthesizer
            // created: 2026-12-06T17:45:47Z

            // case "commented": is not code
            using System.Text.RegularExpressions;

            public static int Label(string text)
            {
                foreach (Match token in Regex.Matches(text.ToLowerInvariant(), @"[\p{L}\p{N}]+"))
                {
                    switch (token.Value)
                    {
                        case "free": // 3 / 3
                        case "hi check":
                        case "a":
                        case "":
                            return 1;
                    }
                }

                return -1;
            }
            """;

        var highlights = ProgramHighlights.Of(source);

        Assert.Equal(["free", "hi check"], highlights.Keywords);
        Assert.Empty(highlights.Substrings);
        Assert.Empty(highlights.Patterns); // the tokenizer marks every word, so it is not something looked for
        // "freedom" holds "free" but not as a word.
        Assert.Equal([(0, 8), (9, 4)], highlights.Find("Hi check FREE stuff, freedom"));
    }

    [Fact]
    public void Switch_arms_is_patterns_comparisons_and_Equals_give_keywords()
    {
        const string source = """
            public static int Label(string text) => text.Trim() switch
            {
                "hello there" => 0,
                var t when t is "spam" or "scam" => 1,
                var t when t == "offer" || t.Equals("deal") => 1,
                _ => -1,
            };
            """;

        Assert.Equal(["hello there", "spam", "scam", "offer", "deal"], ProgramHighlights.Of(source).Keywords);
    }

    [Fact]
    public void Contains_StartsWith_and_IndexOf_give_substrings_found_inside_words_unless_padded_with_a_space()
    {
        const string source = """
            public static int Label(string text)
            {
                if (text.Contains("subscri") || text.StartsWith("check out") || text.IndexOf(" sub ") >= 0)
                {
                    return 1;
                }

                return text.EndsWith("x") ? 0 : -1;
            }
            """;

        var highlights = ProgramHighlights.Of(source);

        Assert.Equal(["subscri", "check out", "sub"], highlights.Substrings);
        // "Subscri" inside "Subscribe" (0); "check out" (11); "sub" as a word (24) but not inside "Subscribe" or "subway".
        Assert.Equal([(0, 7), (11, 9), (24, 3)], highlights.Find("Subscribe! check out my sub, subway"));
    }

    [Fact]
    public void A_regex_honours_IgnoreCase_and_overlapping_matches_merge()
    {
        const string source = """
            using System.Text.RegularExpressions;

            public static int Label(string text)
            {
                if (Regex.IsMatch(text, @"https?://\S+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)) return 1;
                if (Regex.IsMatch(text, @"\b[A-Z]{3,}\b", RegexOptions.CultureInvariant)) return 1;
                if (Regex.IsMatch(text, @"\bwin\b")) return 1;
                return -1;
            }
            """;

        var highlights = ProgramHighlights.Of(source);

        Assert.Equal([@"https?://\S+", @"\b[A-Z]{3,}\b", @"\bwin\b"], highlights.Patterns);
        // The link (4, 11) holds "HTTP", which [A-Z]{3,} matches too: one span. "NOW" at 16. "Win": \bwin\b has no
        // IgnoreCase and the program does not lower-case the text, so its case counts.
        Assert.Equal([(4, 11), (16, 3)], highlights.Find("see HTTP://x.co NOW Win"));
    }

    [Fact]
    public void A_program_that_lower_cases_matches_its_lower_case_patterns_in_any_case_but_keeps_upper_case_patterns_exact()
    {
        const string source = """
            using System.Text.RegularExpressions;

            public static int Label(string text)
            {
                var t = text.ToLowerInvariant();
                if (Regex.IsMatch(t, @"\bwin\S*")) return 1;
                if (Regex.IsMatch(text, @"\b[A-Z]{3,}\b")) return 1;
                return -1;
            }
            """;

        var highlights = ProgramHighlights.Of(source);

        // "Winner" at 4 (\S is an escape, not an upper-case letter); "abc" is not [A-Z]{3,}; "ABC" at 15 is.
        Assert.Equal([(4, 6), (15, 3)], highlights.Find("you Winner abc ABC"));
    }

    [Fact]
    public void Collections_constants_concatenations_and_split_word_lists_are_read()
    {
        const string source = """
            using System.Collections.Generic;
            using System.Text.RegularExpressions;

            public static int Label(string text)
            {
                const string Money = @"\$\d+";
                string[] words = { "cash", "prize" };
                var spam = new HashSet<string> { "winner" };
                var weights = new Dictionary<string, int> { ["bonus"] = 2 };
                var others = new Dictionary<string, int> { { "urgent", 3 } };
                List<string> more = ["claim", @"\bcall now\b"];
                HashSet<string> Set(string list) => new HashSet<string>(list.Split(' '));
                var ham = Set("lol haha");
                var gift = @"\bfree " + "(gift|money)" + End;
                if (Regex.IsMatch(text, gift)) return 1;
                var changing = @"\bnever\b";
                changing = "";
                if (Regex.IsMatch(text, changing)) return 1;
                return -1;
            }

            const string End = @"\b";
            """;

        var highlights = ProgramHighlights.Of(source);

        Assert.Equal(["cash", "prize", "winner", "bonus", "urgent", "claim", "lol", "haha"], highlights.Keywords);
        // Money is a pattern by its look; gift is folded from literals and a constant; changing is assigned again, so its
        // value at the call is not known; End alone (\b) matches no text.
        Assert.Equal([@"\$\d+", @"\bcall now\b", @"\bfree (gift|money)\b"], highlights.Patterns);
        //             0         1         2         3         4
        //             01234567890123456789012345678901234567890123
        Assert.Equal([(0, 8), (10, 3), (14, 9), (38, 4)], highlights.Find("call now: $50 free gift, call nowhere cash!"));
    }

    [Fact]
    public void Tokenizers_normalizers_and_patterns_NET_cannot_compile_are_skipped()
    {
        const string source = """
            using System.Text.RegularExpressions;

            public static int Label(string text)
            {
                var t = Regex.Replace(text, @"\s+", " ");
                var words = Regex.Split(t, @"\W+");
                var n = Regex.Matches(t, @"[a-z]+(?:['-][a-z]+)*").Count;
                var sentences = Regex.Split(t, @"[.!?\n]+");
                if (Regex.IsMatch(t, @"(unclosed")) return 1;
                if (Regex.IsMatch(t, @"\p{Nope}")) return 1;
                if (new Regex(@"\bok\b").IsMatch(t)) return 0;
                return -1;
            }
            """;

        Assert.Equal([@"\bok\b"], ProgramHighlights.Of(source).Patterns);
    }

    [Fact]
    public void A_catastrophic_pattern_times_out_and_marks_nothing_while_the_rest_still_mark()
    {
        const string source = """
            using System.Text.RegularExpressions;

            public static int Label(string text) =>
                text.Contains("spam") || Regex.IsMatch(text, @"(x+x+)+y") ? 1 : -1;
            """;
        var highlights = ProgramHighlights.Of(source);
        Assert.Equal([@"(x+x+)+y"], highlights.Patterns);
        var text = "spam " + new string('x', 5000);

        var clock = Stopwatch.StartNew();
        var spans = highlights.Find(text);

        Assert.Equal([(0, 4)], spans);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Spans_that_touch_stay_apart_and_at_most_50_are_returned()
    {
        const string source = """
            using System.Text.RegularExpressions;

            public static int Label(string text) => text switch
            {
                "foo" => 1,
                _ when Regex.IsMatch(text, @"-bar") => 1,
                _ => -1,
            };
            """;
        var highlights = ProgramHighlights.Of(source);

        Assert.Equal([(0, 3), (3, 4)], highlights.Find("foo-bar"));
        var many = highlights.Find(string.Join(' ', Enumerable.Repeat("foo", 60)));
        Assert.Equal(50, many.Count);
        Assert.Equal((49 * 4, 3), many[^1]);
    }

    [Fact]
    public void At_most_500_keywords_are_kept_from_one_program()
    {
        var source = new StringBuilder("public static int Label(string text)\n{\n    switch (text)\n    {\n");
        for (var i = 0; i < 600; i++)
        {
            source.Append("        case \"word").Append(i).Append("\":\n");
        }

        source.Append("            return 1;\n    }\n\n    return -1;\n}\n");

        var keywords = ProgramHighlights.Of(source.ToString()).Keywords;

        Assert.Equal(500, keywords.Count);
        Assert.Equal("word499", keywords[^1]);
    }

    [Fact]
    public void An_LLM_program_marks_its_link_and_promotion_patterns()
    {
        // Part of a recorded reply (youtube, plain-01): it lower-cases the text, so its patterns match in any case.
        const string source = """
            using System.Linq;
            using System.Text.RegularExpressions;

            public static int Label(string comment)
            {
                if (string.IsNullOrWhiteSpace(comment)) return -1;

                string raw = comment.ToLowerInvariant();
                bool hasLink = Regex.IsMatch(raw,
                    @"https?://|www\.|\b[a-z0-9-]{2,}\.(com|net|org|info|biz|ly|tk)\b|[\s(\[]dot[\s)\]]*com\b");

                string t = Regex.Replace(raw, @"<[^>]*>", " ").Replace("\ufeff", "");
                t = Regex.Replace(t, @"\s+", " ").Trim();
                int spam = 0;
                if (hasLink) spam += 3;
                if (t.Contains("check out this video on youtube")) spam += 3;
                if (Regex.IsMatch(t, @"\b(check|visit|watch|listen to)( out)? (my|our)\b")) spam += 3;
                if (Regex.IsMatch(t, @"\bmy (youtube )?(channel|videos?|new song|music|covers?|page|mixtape)\b")) spam += 2;
                return spam >= 3 ? 1 : -1;
            }
            """;

        var highlights = ProgramHighlights.Of(source);

        Assert.Equal(["check out this video on youtube"], highlights.Substrings);
        Assert.Equal(4, highlights.Patterns.Count); // the link, the HTML tag, "check out my", "my channel"; not \s+
        //                                                    0         1         2         3
        //                                                    0123456789012345678901234567890123456
        Assert.Equal([(0, 20), (21, 7), (28, 6)], highlights.Find("Check out my channel http://bit.ly/x"));
    }

    [Fact]
    public void A_source_that_does_not_parse_still_gives_what_it_can_and_an_empty_text_gives_nothing()
    {
        var highlights = ProgramHighlights.Of("public static int Label(string text) { if (text.Contains(\"refund\") return 1; ");

        Assert.Equal(["refund"], highlights.Substrings);
        Assert.Empty(highlights.Find(""));
        Assert.Empty(ProgramHighlights.Of("").Find("anything at all"));
    }
}
