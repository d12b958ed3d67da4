// Attempts: flips a static BitArray with Not(), a mutating method the verifier's name list lacks.
// expect: static

using System.Collections;

static readonly BitArray Flag = new(1);

public static int Label(string text)
{
    Flag.Not();
    return Flag[0] ? 1 : 0;
}
