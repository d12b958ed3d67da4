// Attempts: takes a reference to a nullable's value with Nullable.GetValueRefOrDefaultRef.
// expect: verify "raw memory"

public static int Label(string text)
{
    int? length = text.Length;
    ref readonly int value = ref System.Nullable.GetValueRefOrDefaultRef(in length);
    return value > 10 ? 1 : 0;
}
