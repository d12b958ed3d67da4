// Attempts: sets the process-wide regex cache size.
// expect: verify "process-wide"

using System.Text.RegularExpressions;

public static int Label(string text)
{
    Regex.CacheSize = 0;
    return 0;
}
