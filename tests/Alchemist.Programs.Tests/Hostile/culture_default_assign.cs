// Attempts: assigns the default culture of every thread in the process.
// expect: verify "process-wide"

using System.Globalization;

public static int Label(string text)
{
    CultureInfo.DefaultThreadCurrentCulture = new CultureInfo("tr-TR");
    return 0;
}
