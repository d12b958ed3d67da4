// Attempts: passes a static Regex method as a method group, so the rewriter never sees a call to give a timeout.
// expect: verify "method group"

using System;
using System.Text.RegularExpressions;

public static int Label(string text)
{
    Func<string, string, int> count = Regex.Count;
    return count(text + "!", "(a+)+$") > 0 ? 1 : 0;
}
