// Attempts: keeps per-thread state across rows.
// Must be rejected at verify time.
// expect: verify "[ThreadStatic]"

[ThreadStatic]
static readonly System.Text.StringBuilder Buffer = new System.Text.StringBuilder();

public static int Label(string text)
{
    return text.Length > 3 ? 1 : 0;
}
