// Attempts: advances an enumerator kept in a static readonly field on every row (MoveNext changes it).
// expect: static

using System.Collections.Generic;
using System.Linq;

static readonly IEnumerator<int> Rows = Enumerable.Range(0, int.MaxValue).GetEnumerator();

public static int Label(string text)
{
    Rows.MoveNext();
    return Rows.Current % 2;
}
