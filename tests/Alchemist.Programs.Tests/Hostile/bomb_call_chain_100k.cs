// Attempts: a chain of 100,000 calls (text.Trim().Trim()...), 200,000 deep as a syntax tree.
// expect: limits "nested more than 2000"
// generate: calls 100000

public static int Label(string text) => (/*BOMB*/).Length > 3 ? 1 : 0;
