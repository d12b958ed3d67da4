// Attempts: a chain of 100,000 additions: flat to the eye, 100,000 deep as a syntax tree.
// expect: limits "nested more than 2000"
// generate: additions 100000

public static int Label(string text)
{
    var x = /*BOMB*/;
    return x is null ? 0 : 1;
}
