// Attempts: parses a million-digit number, quadratic inside BigInteger.Parse.
// expect: verify "System.Numerics"

using System.Numerics;

public static int Label(string text) => BigInteger.Parse(new string('9', 1_000_000)).IsEven ? 1 : 0;
