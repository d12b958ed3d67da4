// Attempts: keeps 2 MB per row in a static list, growing the process across rows.
// expect: static

using System.Collections.Generic;

static readonly List<string> Kept = new();

public static int Label(string text)
{
    var kept = Kept;
    kept.Add(new string('x', 1_000_000));
    return kept.Count % 2;
}
