// Attempts: labels by the first of a shuffled sequence (Enumerable.Shuffle draws from a shared random source).
// expect: verify "reproducible"

using System.Linq;

public static int Label(string text) => new[] { 0, 1 }.Shuffle().First();
