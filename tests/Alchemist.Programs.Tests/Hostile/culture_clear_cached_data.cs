// Attempts: clears the process-wide culture caches that every other program shares.
// expect: verify "process-wide"

using System.Globalization;

public static int Label(string text)
{
    CultureInfo.CurrentCulture.ClearCachedData();
    return 0;
}
