// Attempts: a 50 MB source (a comment), which takes the compiler gigabytes.
// expect: limits "more than the 1,048,576"
// generate: bytes 52428800

public static int Label(string text) => 0;
/*BOMB*/
