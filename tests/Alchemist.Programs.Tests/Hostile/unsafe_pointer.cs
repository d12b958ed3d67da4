// Attempts: reads memory through a pointer.
// Must be rejected at verify time.
// expect: verify "unsafe code"

public static unsafe int Label(string text)
{
    fixed (char* p = text)
    {
        return *(p + 100000) == 'a' ? 1 : 0;
    }
}
