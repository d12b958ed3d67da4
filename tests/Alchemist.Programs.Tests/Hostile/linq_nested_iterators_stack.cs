// Attempts: nests 200,000 LINQ iterators and pulls one element: the recursion runs through library frames, where no budget check sits, before the program's innermost lambda.
// expect: run budget

using System.Collections.Generic;
using System.Linq;

public static int Label(string text)
{
    IEnumerable<int> items = new[] { text.Length };
    for (var i = 0; i < 200_000; i++)
    {
        items = i % 2 == 0 ? items.Skip(0) : items.Where(x => x >= 0);
    }

    return items.First() > 10 ? 1 : 0;
}
