// Attempts: pins a memory block and reads its native address from the MemoryHandle.
// expect: verify "raw memory"

public static int Label(string text)
{
    var memory = new System.Memory<char>(text.ToCharArray());
    using var handle = memory.Pin();
    return handle.GetHashCode() % 2;
}
