// Attempts: recurses without end (a stack overflow would kill the process).
// Must be contained at run time.
// expect: run budget

public static int Label(string text) => Depth(text, 0);

static int Depth(string text, int n) => Depth(text, n + 1) + 1;
