// Attempts: raises a BigInteger to a huge power, a loop inside one library call that no budget check sees.
// expect: verify "System.Numerics"

using System.Numerics;

public static int Label(string text) => BigInteger.Pow(new BigInteger(7), int.MaxValue / 2).IsEven ? 1 : 0;
