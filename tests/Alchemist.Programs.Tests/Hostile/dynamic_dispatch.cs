// Attempts: hides calls behind dynamic.
// Must be rejected at verify time.
// expect: verify "'dynamic' is not allowed"

public static int Label(string text)
{
    dynamic value = text;
    return value.Length > 3 ? 1 : 0;
}
