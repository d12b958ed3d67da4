// Attempts: returns a 10-million-character class name, copied into the invalid-result message.
// expect: run invalid

public static string Label(string text) => new string('x', 10_000_000);
