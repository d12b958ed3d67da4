// Attempts: reads a private runtime field through [UnsafeAccessor].
// Must be rejected at verify time.
// expect: verify "attribute [UnsafeAccessorAttribute] is not allowed"

using System.Runtime.CompilerServices;

static class Peek
{
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_stringLength")]
    public static extern ref int Length(string s);
}

public static int Label(string text) => Peek.Length(text) > 3 ? 1 : 0;
