// Attempts: runs a catastrophically backtracking regex through Regex.IsMatch.
// Must be contained at run time.
// expect: run budget

using System.Text.RegularExpressions;

public static int Label(string text)
{
    return Regex.IsMatch(new string('a', 40) + "!", "^(a+)+$") ? 1 : 0;
}
