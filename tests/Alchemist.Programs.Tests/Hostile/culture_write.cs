// Attempts: switches the process culture to Turkish (changes every program's ToUpper).
// Must be rejected at verify time.
// expect: verify "process-wide setting"

using System.Globalization;

public static int Label(string text)
{
    CultureInfo.CurrentCulture = new CultureInfo("tr-TR");
    return text.ToUpper().Contains("I") ? 1 : 0;
}
