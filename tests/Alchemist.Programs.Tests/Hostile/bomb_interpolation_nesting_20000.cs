// Attempts: interpolated strings nested 20,000 deep inside each other's holes.
// expect: limits "nested more than"
// generate: interpolation 20000

public static int Label(string text)
{
    var x = /*BOMB*/;
    return x is null ? 0 : 1;
}
