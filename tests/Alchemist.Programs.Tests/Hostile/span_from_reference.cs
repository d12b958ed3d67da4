// Attempts: builds a span from a reference into the row string (new Span<T>(ref T)).
// expect: verify "raw memory"

public static int Label(string text)
{
    var copy = text.ToCharArray();
    var one = new System.Span<char>(ref copy[0]);
    return one.Length == 1 ? 1 : 0;
}
