// Attempts: derives from Regex and passes a catastrophic pattern to the base constructor, where the rewriter never sets a timeout.
// expect: verify "derives from"

using System.Text.RegularExpressions;

sealed class Slow : Regex
{
    public Slow() : base("^(a+)+$") { }
}

public static int Label(string text) => new Slow().IsMatch(new string('a', 40) + "!") ? 1 : 0;
