// Attempts: hides a mutable list behind a Lazy<T> in a static field.
// expect: verify "Lazy"

static readonly System.Lazy<System.Collections.Generic.List<string>> Seen = new(() => new());

public static int Label(string text)
{
    Seen.Value.Add(text);
    return Seen.Value.Count % 2;
}
