// Attempts: catches the regex timeout and returns a label anyway.
// Must be contained at run time.
// expect: run budget

using System.Text.RegularExpressions;

public static int Label(string text)
{
    try
    {
        return Regex.IsMatch(new string('a', 40) + "!", "^(a+)+$") ? 0 : 0;
    }
    catch (RegexMatchTimeoutException)
    {
        return 1;
    }
}
