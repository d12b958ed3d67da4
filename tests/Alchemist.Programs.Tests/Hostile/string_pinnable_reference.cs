// Attempts: takes a reference to the row string's first character (GetPinnableReference), the start of any in-place rewrite.
// expect: verify "raw memory"

public static int Label(string text)
{
    ref readonly char first = ref text.GetPinnableReference();
    return first == 'h' ? 0 : 1;
}
