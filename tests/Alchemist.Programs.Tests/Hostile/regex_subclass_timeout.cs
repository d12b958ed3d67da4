// Attempts: subclasses Regex to switch its match timeout off.
// Must be rejected at verify time.
// expect: verify "internalMatchTimeout"

using System.Text.RegularExpressions;

class Unlimited : Regex
{
    public Unlimited(string pattern) : base(pattern)
    {
        internalMatchTimeout = Regex.InfiniteMatchTimeout;
    }
}

public static int Label(string text) => new Unlimited("(a+)+$").IsMatch(text) ? 1 : 0;
