// Attempts: 200,000 nested parentheses, which overflow the compiler's stack.
// expect: limits "nested more than"
// generate: parentheses 200000

public static int Label(string text)
{
    var x = /*BOMB*/;
    return x is null ? 0 : 1;
}
