// Attempts: throws an exception with a 30-million-character message, to blow up the reasons, apply --json and the report.
// expect: run exception

public static int Label(string text) => throw new System.InvalidOperationException(new string('x', 30_000_000));
