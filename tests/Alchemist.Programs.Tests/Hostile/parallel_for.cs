// Attempts: spreads work with Parallel.For.
// Must be rejected at verify time.
// expect: verify "one thread"

using System.Threading.Tasks;

public static int Label(string text)
{
    var hits = new int[text.Length];
    Parallel.For(0, text.Length, i => hits[i] = text[i] == '!' ? 1 : 0);
    return hits.Sum() > 2 ? 1 : 0;
}
