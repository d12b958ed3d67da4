// Attempts: generates and runs code through expression trees.
// Must be rejected at verify time.
// expect: verify "reflection"

using System.Linq.Expressions;

public static int Label(string text)
{
    Expression<Func<int>> body = () => 1;
    return body.Compile()();
}
