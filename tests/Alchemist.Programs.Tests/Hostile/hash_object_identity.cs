// Attempts: labels by an object's identity hash code.
// expect: verify "hash codes"

public static int Label(string text) => (new object().GetHashCode() & 1) == 0 ? 0 : 1;
