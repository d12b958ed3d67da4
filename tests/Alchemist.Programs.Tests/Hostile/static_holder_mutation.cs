// Attempts: keeps a row counter inside an object held by a static readonly field.
// Must be rejected at verify time.
// expect: verify "changes the contents of static field"

sealed class Holder
{
    public int Count;
}

static readonly Holder State = new Holder();

public static int Label(string text)
{
    State.Count++;
    return State.Count > 10 ? 1 : 0;
}
