// Attempts: changes the default culture of every new thread.
// Must be rejected at verify time.
// expect: verify "process-wide setting"

public static int Label(string text)
{
    System.Globalization.CultureInfo.DefaultThreadCurrentCulture = System.Globalization.CultureInfo.GetCultureInfo("de-DE");
    return 0;
}
