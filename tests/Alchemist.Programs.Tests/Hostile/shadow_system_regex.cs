// Attempts: declares its own System.Text.RegularExpressions.Regex so that the injected match timeout has no effect.
// Must be rejected before it runs: the compiler refuses it under the sandbox's options (shadowing an imported type is an error there).
// expect: compile "conflicts with the imported type"

namespace System.Text.RegularExpressions
{
    public class Regex
    {
        public Regex(string pattern, RegexOptions options = default, System.TimeSpan matchTimeout = default) { }
        public bool IsMatch(string input) => true;
    }

    public enum RegexOptions { None }
}

public static class Labeler
{
    public static int Label(string text) => new System.Text.RegularExpressions.Regex("a").IsMatch(text) ? 1 : 0;
}
