// Attempts: caches results in a static readonly dictionary (mutated across rows).
// Must be rejected at verify time.
// expect: verify "changes static field"

static readonly Dictionary<string, int> Cache = new();

public static int Label(string text)
{
    if (Cache.TryGetValue(text, out var known)) return known;
    var label = text.Contains("http") ? 1 : 0;
    Cache.Add(text, label);
    return label;
}
