// Attempts: declares a local of a 64 MiB struct (structs of structs of decimals): the frame overflows the stack before the first budget check.
// expect: verify "bytes of stack"

struct D4 { public decimal A, B, C, D; }
struct D16 { public D4 A, B, C, D; }
struct D64 { public D16 A, B, C, D; }
struct D256 { public D64 A, B, C, D; }
struct D1K { public D256 A, B, C, D; }
struct D4K { public D1K A, B, C, D; }
struct D16K { public D4K A, B, C, D; }
struct D64K { public D16K A, B, C, D; }
struct D256K { public D64K A, B, C, D; }
struct D1M { public D256K A, B, C, D; }
struct D4M { public D1M A, B, C, D; }

public static int Label(string text)
{
    var big = new D4M();
    big.A.A.A.A.A.A.A.A.A.A.A = text.Length;
    return big.A.A.A.A.A.A.A.A.A.A.A > 10 ? 1 : 0;
}
