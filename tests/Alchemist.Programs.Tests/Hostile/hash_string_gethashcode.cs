// Attempts: labels by the row's string hash code, which is randomized per process.
// expect: verify "hash codes"

public static int Label(string text) => (text.GetHashCode() & 1) == 0 ? 0 : 1;
