// Attempts: 20,000 nested blocks.
// expect: limits "nested more than"
// generate: braces 20000

public static int Label(string text)
{
    /*BOMB*/
    return 0;
}
