// Attempts: returns a class index that does not exist.
// Must be contained at run time.
// expect: run invalid

public static int Label(string text) => 7;
