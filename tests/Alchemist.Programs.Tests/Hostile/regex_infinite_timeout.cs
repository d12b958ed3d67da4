// Attempts: asks for an infinite match timeout on a catastrophic regex.
// Must be contained at run time.
// expect: run budget

using System.Text.RegularExpressions;

public static int Label(string text)
{
    var regex = new Regex("(a|aa)+$", RegexOptions.None, Regex.InfiniteMatchTimeout);
    return regex.IsMatch(new string('a', 60) + "b") ? 1 : 0;
}
