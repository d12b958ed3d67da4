// Attempts: materializes 750 million integers in one library call (3 GB), which no per-call check sees before it is allocated.
// expect: worker

public static int Label(string text) => System.Linq.Enumerable.Range(0, 750_000_000).ToArray().Length > 0 ? 1 : 0;
