// Attempts: writes a new string through string.Create's SpanAction callback.
// expect: verify "raw memory"

public static int Label(string text)
{
    var made = string.Create(text.Length, text, (span, state) => state.AsSpan().CopyTo(span));
    return made.Length > 10 ? 1 : 0;
}
