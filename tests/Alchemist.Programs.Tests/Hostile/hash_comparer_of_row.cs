// Attempts: labels by StringComparer.Ordinal's hash of the row.
// expect: verify "hash codes"

public static int Label(string text) => (System.StringComparer.Ordinal.GetHashCode(text) & 1) == 0 ? 0 : 1;
