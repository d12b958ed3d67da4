// Attempts: stackallocs a small buffer inside a loop: the memory is freed only when the method returns, so the stack grows 16 KiB per iteration, faster than the budget checks.
// expect: verify "inside a loop"

public static int Label(string text)
{
    var sum = 0m;
    for (var i = 0; i < 100_000; i++)
    {
        System.Span<decimal> chunk = stackalloc decimal[1024];
        chunk[0] = i;
        sum += chunk[0];
    }

    return sum > 0 ? 1 : 0;
}
