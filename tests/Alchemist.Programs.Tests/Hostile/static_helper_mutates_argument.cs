// Attempts: passes a static list to a helper that adds to its parameter.
// expect: static

using System.Collections.Generic;

static readonly List<string> Seen = new();

static bool Remember(List<string> into, string text)
{
    into.Add(text);
    return into.Count % 2 == 0;
}

public static int Label(string text) => Remember(Seen, text) ? 1 : 0;
