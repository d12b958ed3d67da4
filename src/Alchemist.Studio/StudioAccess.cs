using System.Security.Cryptography;
using System.Text;

namespace Alchemist.Studio;

/// <summary>
/// Who may drive the studio. It listens on 127.0.0.1 only, and every request must also show the one-time token printed with
/// its address (in the URL's <c>token</c>, the <see cref="HeaderName"/> header, or the cookie the first page sets), name
/// this server in its <c>Host</c> header, and, when it says where it comes from, come from this server's own origin. The
/// token keeps out other local users and processes; the Host check defeats DNS rebinding (a hostile page whose name resolves
/// to 127.0.0.1); the Origin check and the SameSite cookie keep another page in the same browser from driving it.
/// </summary>
public sealed class StudioAccess
{
    /// <summary>The request header a script may send the token in.</summary>
    public const string HeaderName = "X-Alchemist-Token";

    /// <summary>The cookie the first page load sets, so that the page's own requests carry the token.</summary>
    public const string CookieName = "alchemist-studio";

    private readonly byte[] _token;
    private readonly string[] _hosts;
    private readonly string[] _origins;

    /// <param name="token">The one-time token (see <see cref="NewToken"/>).</param>
    /// <param name="port">The port the server listens on: the only one its Host and Origin may name.</param>
    public StudioAccess(string token, int port)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        _token = Encoding.UTF8.GetBytes(token);
        Token = token;
        _hosts = [$"127.0.0.1:{port}", $"localhost:{port}"];
        _origins = [$"http://127.0.0.1:{port}", $"http://localhost:{port}"];
    }

    /// <summary>The token, for the address printed to the person who started the studio.</summary>
    public string Token { get; }

    /// <summary>256 random bits, URL-safe: too many to guess, and nothing in them to learn.</summary>
    public static string NewToken() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Whether a request may go on, and if not why (for the 403 or 401 answer; the token is never echoed).</summary>
    /// <param name="host">The request's Host header.</param>
    /// <param name="origin">The request's Origin header, or null when it has none (a typed address, a same-origin GET).</param>
    /// <param name="tokens">The tokens the request shows: from its URL, header and cookie; null or empty ones are skipped.</param>
    public AccessDecision Check(string? host, string? origin, IEnumerable<string?> tokens)
    {
        if (host is null || !_hosts.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return AccessDecision.Deny(403, "this studio answers only requests addressed to 127.0.0.1 or localhost on its own port");
        }

        if (origin is not null && !_origins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            return AccessDecision.Deny(403, "requests from another site's page are refused");
        }

        foreach (var token in tokens)
        {
            if (!string.IsNullOrEmpty(token) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), _token))
            {
                return AccessDecision.Allow;
            }
        }

        return AccessDecision.Deny(401, "open the studio with the address it printed, which carries its token");
    }
}

/// <summary>The answer to one request's access check.</summary>
/// <param name="Allowed">Whether the request may go on.</param>
/// <param name="Status">The HTTP status to refuse it with (401 or 403); 200 when allowed.</param>
/// <param name="Reason">Why it was refused, for the response body; empty when allowed.</param>
public readonly record struct AccessDecision(bool Allowed, int Status, string Reason)
{
    /// <summary>The request may go on.</summary>
    public static AccessDecision Allow { get; } = new(true, 200, "");

    /// <summary>The request is refused with <paramref name="status"/>.</summary>
    public static AccessDecision Deny(int status, string reason) => new(false, status, reason);
}
