using Alchemist.Programs.Compilation;
using Xunit;

namespace Alchemist.Programs.Tests;

/// <summary>
/// Doors the member allowlist closes that do not show in a program's text, and everyday code it must keep accepting.
/// </summary>
public sealed class SandboxVerifierTests
{
    private static readonly ProgramCompiler Compiler = new(HostileCorpus.Signature);

    [Theory]
    [InlineData("var words = new List<string> { \"a\" }; foreach (var w in words) { if (text.Contains(w)) return 1; } return 0;")]
    [InlineData("var counts = new Dictionary<string, int>(); foreach (var (k, v) in counts) { } return counts.GetValueOrDefault(text, -1);")]
    [InlineData("ReadOnlySpan<char> span = text; return span.IndexOf('x') >= 0 ? 1 : 0;")]
    [InlineData("return text[^1] == '!' || text[..1] == \"W\" ? 1 : 0;")]
    [InlineData("var sb = new StringBuilder(); sb.Append($\"{text.Length}:{text}\"); return sb.Length > 10 ? 1 : 0;")]
    [InlineData("int[] xs = [1, 2, 3]; return xs.Sum() + text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length > 5 ? 1 : 0;")]
    [InlineData("return text.Split(Environment.NewLine).Length > 2 ? 1 : 0;")]
    [InlineData("Span<int> buffer = stackalloc int[16]; buffer[0] = text.Length; return buffer[0] > 3 ? 1 : 0;")]
    [InlineData("return text switch { [] => -1, ['h', ..] => 0, _ => 1 };")]
    public void Everyday_code_is_accepted(string body)
    {
        var result = Compiler.Compile($"public static int Label(string text) {{ {body} }}");
        Assert.True(result.Succeeded, result.FeedbackForLlm());
    }

    [Fact]
    public void Hash_codes_are_allowed_only_inside_a_GetHashCode_override()
    {
        const string Source = """
            sealed class Key(string a, int b)
            {
                public override bool Equals(object other) => other is Key k && k.ToString() == ToString();
                public override int GetHashCode() => HashCode.Combine(a, b) ^ a.GetHashCode();
                public override string ToString() => a + b;
            }

            public static int Label(string text) => new HashSet<Key> { new(text, 1) }.Count;
            """;
        Assert.True(Compiler.Compile(Source).Succeeded, Compiler.Compile(Source).FeedbackForLlm());

        var outside = Compiler.Compile("""
            sealed class Key
            {
                public override int GetHashCode() => 7;
            }

            public static int Label(string text) => new Key().GetHashCode() % 2;
            """);
        Assert.Contains(outside.Diagnostics, d => d.Message.Contains("hash codes are randomized per process", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Func<string, string, int> f = Regex.Count; return f(text, \"a\");", "method group")]
    [InlineData("var r = new Random(); return r.Next(2);", "reproducible")]
    [InlineData("return text.AsSpan().GetPinnableReference() == 'a' ? 1 : 0;", "raw memory")]
    [InlineData("object o = text; return o.GetType().Name.Length % 2;", "reflection")]
    [InlineData("return CultureInfo.CurrentCulture.Calendar.MinSupportedDateTime.Year % 2;", "not on the sandbox allowlist")]
    public void Members_reached_through_allowed_types_are_checked_one_by_one(string body, string reason)
    {
        var result = Compiler.Compile($"public static int Label(string text) {{ {body} }}");
        Assert.True(result.RejectedByVerifier, result.FeedbackForLlm());
        Assert.Contains(result.Diagnostics, d => d.Message.Contains(reason, StringComparison.Ordinal));
    }
}
