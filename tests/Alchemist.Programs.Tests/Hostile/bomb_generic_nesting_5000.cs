// Attempts: a generic type nested 5,000 deep, which overflows the compiler's stack.
// expect: limits "nested more than"
// generate: generic 5000

using System.Collections.Generic;

public static int Label(string text)
{
    /*BOMB*/ deep = null;
    return deep is null ? 0 : 1;
}
