// Attempts: returns a class name that does not exist.
// Must be contained at run time.
// expect: run invalid

public static string Label(string text) => "EGGS";
