// Attempts: stackallocs 1,024 elements (the count limit) of a 16 KiB struct: 16 MiB of stack in one frame.
// expect: verify "stackalloc"

struct D4 { public decimal A, B, C, D; }
struct D16 { public D4 A, B, C, D; }
struct D64 { public D16 A, B, C, D; }
struct D256 { public D64 A, B, C, D; }
struct D1024 { public D256 A, B, C, D; }

public static int Label(string text)
{
    System.Span<D1024> block = stackalloc D1024[1024];
    block[1023].A.A.A.A.A = text.Length;
    return block[1023].A.A.A.A.A > 10 ? 1 : 0;
}
