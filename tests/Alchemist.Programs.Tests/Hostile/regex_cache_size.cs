// Attempts: shrinks the process-wide regex cache to zero.
// Must be rejected at verify time.
// expect: verify "process-wide setting"

using System.Text.RegularExpressions;

public static int Label(string text)
{
    Regex.CacheSize = 0;
    return Regex.IsMatch(text, "free") ? 1 : 0;
}
