// Attempts: votes by whether an equal row was seen before, through a local alias of a static set.
// expect: static

using System.Collections.Generic;

static readonly HashSet<string> Seen = new();

public static int Label(string text)
{
    var seen = Seen;
    return seen.Add(text) ? 0 : 1;
}
