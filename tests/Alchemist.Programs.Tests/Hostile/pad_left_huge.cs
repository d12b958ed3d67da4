// Attempts: pads the row to a billion characters (2 GB) in one call.
// expect: worker

public static int Label(string text) => text.PadLeft(1_000_000_000).Length > 0 ? 1 : 0;
