using System.ClientModel;
using System.Globalization;
using System.Net;
using Anthropic.Exceptions;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// Which provider failures are worth another try (429, 5xx, timeouts, dropped connections) and how long to wait:
/// exponential backoff with jitter, or the server's Retry-After when it sends one.
/// </summary>
/// <param name="MaxAttempts">Attempts in all, the first included (1: no retry).</param>
/// <param name="BaseDelay">Wait before the first retry; each later wait doubles it, with jitter of 25 % either way.</param>
/// <param name="MaxDelay">Longest wait between attempts, a server's Retry-After included.</param>
/// <param name="AttemptTimeout">How long one attempt may take before it counts as failed and may be tried again; the SDK clients get it as their network timeout too.</param>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, TimeSpan AttemptTimeout)
{
    /// <summary>Six attempts, waits from 2 s doubling up to 60 s, and 3 minutes per attempt.</summary>
    public static RetryPolicy Default { get; } = new(MaxAttempts: 6, BaseDelay: TimeSpan.FromSeconds(2), MaxDelay: TimeSpan.FromSeconds(60), AttemptTimeout: TimeSpan.FromMinutes(3));

    internal TimeSpan Delay(int failedAttempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return asked < MaxDelay ? asked : MaxDelay;
        }

        var exponential = BaseDelay.TotalMilliseconds * Math.Pow(2, failedAttempt - 1);
        var jittered = exponential * (0.75 + (Random.Shared.NextDouble() * 0.5));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, MaxDelay.TotalMilliseconds));
    }

    /// <summary>The failure's HTTP status (0 when none reached us) and whether retrying can help.</summary>
    public static (bool Retryable, int Status, TimeSpan? RetryAfter, string Reason) Classify(Exception error)
    {
        switch (error)
        {
            case ClientResultException openAi:
                return (IsTransient(openAi.Status), openAi.Status, RetryAfterOf(openAi), $"HTTP {StatusText(openAi.Status)}: {FirstLine(openAi.Message)}");
            case AnthropicApiException anthropic:
                var status = (int)anthropic.StatusCode;
                return (IsTransient(status), status, null, $"HTTP {StatusText(status)}: {FirstLine(anthropic.Message)}");
            case AnthropicIOException io:
                return (true, 0, null, $"connection failed: {FirstLine(io.Message)}");
            case HttpRequestException http:
                var code = http.StatusCode is { } s ? (int)s : 0;
                return (code == 0 || IsTransient(code), code, null, $"connection failed: {FirstLine(http.Message)}");
            case TimeoutException or IOException:
                return (true, 0, null, $"timed out or connection dropped: {FirstLine(error.Message)}");
            default:
                if (error.InnerException is { } inner && inner != error)
                {
                    var (retryable, innerStatus, after, reason) = Classify(inner);
                    if (retryable || innerStatus != 0)
                    {
                        return (retryable, innerStatus, after, reason);
                    }
                }

                return (false, 0, null, $"{error.GetType().Name}: {FirstLine(error.Message)}");
        }
    }

    private static bool IsTransient(int status) => status is 0 or 408 or 409 or 429 || status >= 500;

    private static string StatusText(int status) =>
        status == 0 ? "no response" : $"{status} {(HttpStatusCode)status}";

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 400 ? line[..400] + "..." : line;
    }

    private static TimeSpan? RetryAfterOf(ClientResultException error)
    {
        var response = error.GetRawResponse();
        if (response is null || !response.Headers.TryGetValue("Retry-After", out var value) || value is null)
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when)
            ? when - DateTimeOffset.UtcNow
            : null;
    }
}
