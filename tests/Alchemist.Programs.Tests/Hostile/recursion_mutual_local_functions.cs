// Attempts: recurses between two local functions.
// Must be contained at run time.
// expect: run budget

public static int Label(string text)
{
    int Ping(int n) => Pong(n + 1);
    int Pong(int n) => Ping(n + 1);
    return Ping(0);
}
