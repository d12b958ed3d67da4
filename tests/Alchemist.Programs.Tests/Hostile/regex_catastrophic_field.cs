// Attempts: keeps a catastrophic regex in a static readonly field.
// Must be contained at run time.
// expect: run budget

using System.Text.RegularExpressions;

static readonly Regex Nested = new Regex(@"^(\w+\s?)*$", RegexOptions.IgnoreCase);

public static int Label(string text)
{
    return Nested.IsMatch("a very long sentence of words that never quite ends with the right character at all!") ? 1 : 0;
}
