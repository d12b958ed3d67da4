using System.Text.RegularExpressions;

namespace Alchemist.Bench;

/// <summary>
/// The benchmark's spam labeling function, twice: compiled into this project (the native baseline) and as the source text
/// an LLM would write, which the runtime compiles, verifies and instruments. The two must stay identical.
/// </summary>
internal static class ApplySpam
{
    public const string Source = """
        using System;
        using System.Text.RegularExpressions;

        public static class SpamProgram
        {
            private static readonly Regex Url = new(@"https?://\S+|www\.\S+", RegexOptions.IgnoreCase | RegexOptions.Compiled);
            private static readonly Regex Email = new(@"[\w.+-]+@[\w-]+\.[\w.]+", RegexOptions.Compiled);
            private static readonly Regex Phone = new(@"\b\d{3}[-. ]?\d{3}[-. ]?\d{4}\b", RegexOptions.Compiled);
            private static readonly string[] Keywords = { "subscribe", "check out", "free", "giveaway", "click here", "promo code", "make money", "follow me" };

            public static int Label(string text)
            {
                if (Url.IsMatch(text) || Email.IsMatch(text) || Phone.IsMatch(text))
                {
                    return 1;
                }

                foreach (var keyword in Keywords)
                {
                    if (text.Contains(keyword, StringComparison.OrdinalIgnoreCase))
                    {
                        return 1;
                    }
                }

                return text.Contains("!!!") ? 1 : -1;
            }
        }
        """;

    private static readonly Regex Url = new(@"https?://\S+|www\.\S+", RegexOptions.IgnoreCase | RegexOptions.Compiled);
    private static readonly Regex Email = new(@"[\w.+-]+@[\w-]+\.[\w.]+", RegexOptions.Compiled);
    private static readonly Regex Phone = new(@"\b\d{3}[-. ]?\d{3}[-. ]?\d{4}\b", RegexOptions.Compiled);
    private static readonly string[] Keywords = ["subscribe", "check out", "free", "giveaway", "click here", "promo code", "make money", "follow me"];

    public static int Label(string text)
    {
        if (Url.IsMatch(text) || Email.IsMatch(text) || Phone.IsMatch(text))
        {
            return 1;
        }

        foreach (var keyword in Keywords)
        {
            if (text.Contains(keyword, StringComparison.OrdinalIgnoreCase))
            {
                return 1;
            }
        }

        return text.Contains("!!!") ? 1 : -1;
    }

    /// <summary>
    /// The native function with the match timeout the sandbox puts on every regex (200 ms), to show what that timeout alone
    /// costs; not the baseline.
    /// </summary>
    public static class WithRegexTimeout
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(200);
        private static readonly Regex Url = new(@"https?://\S+|www\.\S+", RegexOptions.IgnoreCase | RegexOptions.Compiled, Timeout);
        private static readonly Regex Email = new(@"[\w.+-]+@[\w-]+\.[\w.]+", RegexOptions.Compiled, Timeout);
        private static readonly Regex Phone = new(@"\b\d{3}[-. ]?\d{3}[-. ]?\d{4}\b", RegexOptions.Compiled, Timeout);

        public static int Label(string text)
        {
            if (Url.IsMatch(text) || Email.IsMatch(text) || Phone.IsMatch(text))
            {
                return 1;
            }

            foreach (var keyword in Keywords)
            {
                if (text.Contains(keyword, StringComparison.OrdinalIgnoreCase))
                {
                    return 1;
                }
            }

            return text.Contains("!!!") ? 1 : -1;
        }
    }

    /// <summary>Nine more programs in the same style (different keywords, patterns and votes) for the ten-program runs.</summary>
    public static IEnumerable<(string Name, string Source)> TenPrograms()
    {
        yield return ("spam", Source);
        string[][] keywordSets =
        [
            ["love", "song", "voice"], ["subscribe", "channel"], ["free", "win", "gift"], ["beat", "dance", "lyrics"],
            ["money", "home", "cash"], ["omg", "lol", "wow"],
        ];
        for (var i = 0; i < keywordSets.Length; i++)
        {
            var vote = i % 2 == 0 ? 0 : 1;
            var words = string.Join(", ", keywordSets[i].Select(w => $"\"{w}\""));
            yield return ($"keywords_{i}", $$"""
                using System;
                public static class KeywordProgram
                {
                    private static readonly string[] Words = { {{words}} };
                    public static int Label(string text)
                    {
                        foreach (var word in Words)
                        {
                            if (text.Contains(word, StringComparison.OrdinalIgnoreCase)) return {{vote}};
                        }
                        return -1;
                    }
                }
                """);
        }

        yield return ("digits", """
            public static class DigitsProgram
            {
                public static int Label(string text)
                {
                    var digits = 0;
                    foreach (var c in text) if (char.IsDigit(c)) digits++;
                    return digits >= 6 ? 1 : -1;
                }
            }
            """);
        yield return ("short_ham", """
            public static class ShortProgram
            {
                public static int Label(string text) => text.Length < 30 && !text.Contains("http") ? 0 : -1;
            }
            """);
        yield return ("url_regex", """
            using System.Text.RegularExpressions;
            public static class UrlProgram
            {
                private static readonly Regex Url = new(@"(https?://|www\.)[^\s]+\.(com|net|ly)", RegexOptions.IgnoreCase);
                public static int Label(string text) => Url.IsMatch(text) ? 1 : -1;
            }
            """);
    }
}
