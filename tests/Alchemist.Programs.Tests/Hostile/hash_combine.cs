// Attempts: labels by HashCode.Combine, randomized per process.
// expect: verify "hash codes"

public static int Label(string text) => (System.HashCode.Combine(text.Length, text) & 1) == 0 ? 0 : 1;
