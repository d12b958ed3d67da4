using System.Diagnostics;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// Sends a remote call through a Polly pipeline: each attempt gets <see cref="RetryPolicy.AttemptTimeout"/>, and a failure
/// that <see cref="RetryPolicy.Classify"/> calls transient is tried again up to <see cref="RetryPolicy.MaxAttempts"/> in all.
/// The wait before a retry is the policy's (the server's Retry-After, else backoff with jitter) and runs through the
/// <c>delay</c> hook rather than Polly's own clock, so that tests can see and skip it; Polly itself waits nothing.
/// A call that fails for good becomes an <see cref="LlmCallException"/> naming the call.
/// </summary>
internal sealed class RetryingChatClient : CallMiddleware
{
    private static readonly ResiliencePropertyKey<LlmRequest> CallProperty = new("alchemist.call");

    private readonly RetryPolicy _policy;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Action<string> _log;
    private readonly ResiliencePipeline _pipeline;

    public RetryingChatClient(IChatClient inner, RetryPolicy policy, Func<TimeSpan, CancellationToken, Task> delay, Action<string> log)
        : base(inner)
    {
        _policy = policy;
        _delay = delay;
        _log = log;
        var pipeline = new ResiliencePipelineBuilder();
        if (policy.MaxAttempts > 1)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = policy.MaxAttempts - 1,
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } error && !args.Context.CancellationToken.IsCancellationRequested && Retryable(error)),
                OnRetry = WaitBeforeRetryAsync,
            });
        }

        // A generator rather than a fixed Timeout, which Polly bounds to 10 ms..24 h; a zero or negative timeout turns it off.
        pipeline.AddTimeout(new TimeoutStrategyOptions { TimeoutGenerator = _ => ValueTask.FromResult(policy.AttemptTimeout) });
        _pipeline = pipeline.Build();
    }

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = LlmChat.RequestOf(options);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(CallProperty, request);
        var attempts = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            var response = await _pipeline.ExecuteAsync(
                attempt =>
                {
                    attempts++;
                    return new ValueTask<ChatResponse>(InnerClient.GetResponseAsync(messages, options, attempt.CancellationToken));
                },
                context).ConfigureAwait(false);
            return LlmChat.WithTiming(response, attempts, clock.Elapsed);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested && error is not SynthesisException)
        {
            var tries = attempts == 1 ? "" : $" after {attempts} attempts";
            throw new LlmCallException($"{request.Provider} call for {request.Purpose} (model {request.Model}) failed{tries}: {Classify(error).Reason}", error);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private bool Retryable(Exception error) => error is not SynthesisException && Classify(error).Retryable;

    private (bool Retryable, int Status, TimeSpan? RetryAfter, string Reason) Classify(Exception error) =>
        error is TimeoutRejectedException
            ? (true, 0, null, $"no reply within {_policy.AttemptTimeout.TotalSeconds:0} s")
            : RetryPolicy.Classify(error);

    private async ValueTask WaitBeforeRetryAsync(OnRetryArguments<object> args)
    {
        var failedAttempt = args.AttemptNumber + 1;
        var (_, _, retryAfter, reason) = Classify(args.Outcome.Exception!);
        var wait = _policy.Delay(failedAttempt, retryAfter);
        var purpose = args.Context.Properties.GetValue(CallProperty, null!).Purpose;
        _log($"{purpose}: {reason}; retrying in {wait.TotalSeconds:0.#} s (attempt {failedAttempt + 1} of {_policy.MaxAttempts})");
        await _delay(wait, args.Context.CancellationToken).ConfigureAwait(false);
    }
}
