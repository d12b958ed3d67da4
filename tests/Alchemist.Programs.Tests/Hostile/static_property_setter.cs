// Attempts: keeps state in a static auto-property.
// Must be rejected at verify time.
// expect: verify "has a setter"

public static int Calls { get; set; }

public static int Label(string text)
{
    Calls = Calls + 1;
    return -1;
}
