// Attempts: stackallocs a buffer as long as the text (stack overflow on long rows).
// Must be rejected at verify time.
// expect: verify "stackalloc"

public static int Label(string text)
{
    Span<char> buffer = stackalloc char[text.Length * 1000];
    text.AsSpan().CopyTo(buffer);
    return buffer[0] == 'a' ? 1 : 0;
}
