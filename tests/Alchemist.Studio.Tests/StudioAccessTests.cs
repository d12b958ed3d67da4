using Xunit;

namespace Alchemist.Studio.Tests;

/// <summary>The studio's door: the token, the Host header and the Origin header, each checked on every request.</summary>
public sealed class StudioAccessTests
{
    private const string Token = "k8Zt1Qm0sQpXfT7v9cWn2yH4jL6rB3aE5dG1uI0oP9s";
    private readonly StudioAccess _access = new(Token, 40123);

    [Theory]
    [InlineData("127.0.0.1:40123", null)]
    [InlineData("localhost:40123", null)]
    [InlineData("LOCALHOST:40123", "http://localhost:40123")]
    [InlineData("127.0.0.1:40123", "http://127.0.0.1:40123")]
    public void The_token_with_this_servers_own_host_and_origin_is_let_in(string host, string? origin)
    {
        Assert.Equal(AccessDecision.Allow, _access.Check(host, origin, [Token]));
    }

    [Theory]
    // DNS rebinding: a hostile name that resolves to 127.0.0.1 reaches the port, but its Host header names it.
    [InlineData("evil.example:40123", null, 403)]
    [InlineData("127.0.0.1:40124", null, 403)]
    [InlineData("127.0.0.1", null, 403)]
    [InlineData(null, null, 403)]
    // Another page in the same browser: its requests say where they come from.
    [InlineData("127.0.0.1:40123", "http://evil.example", 403)]
    [InlineData("127.0.0.1:40123", "http://127.0.0.1:40124", 403)]
    [InlineData("127.0.0.1:40123", "null", 403)]
    [InlineData("127.0.0.1:40123", "https://127.0.0.1:40123", 403)]
    public void A_foreign_host_or_origin_is_refused_even_with_the_token(string? host, string? origin, int status)
    {
        var decision = _access.Check(host, origin, [Token]);

        Assert.False(decision.Allowed);
        Assert.Equal(status, decision.Status);
        Assert.DoesNotContain(Token, decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_exact_token_a_request_is_told_to_use_the_printed_address()
    {
        Assert.Equal(401, _access.Check("127.0.0.1:40123", null, []).Status);
        Assert.Equal(401, _access.Check("127.0.0.1:40123", null, [null, "", Token[..^1]]).Status);
        Assert.Equal(401, _access.Check("127.0.0.1:40123", null, [Token + "x"]).Status);
        Assert.Contains("address it printed", _access.Check("127.0.0.1:40123", null, ["guess"]).Reason, StringComparison.Ordinal);

        // Any one of the places a token may come from (URL, header, cookie) is enough.
        Assert.True(_access.Check("127.0.0.1:40123", null, [null, "", Token]).Allowed);
    }

    [Fact]
    public void New_tokens_are_256_random_bits_in_url_safe_text()
    {
        var tokens = Enumerable.Range(0, 100).Select(_ => StudioAccess.NewToken()).ToHashSet();

        Assert.Equal(100, tokens.Count);
        Assert.All(tokens, t => Assert.Matches("^[A-Za-z0-9_-]{43}$", t));
    }
}
