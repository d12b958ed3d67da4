using Alchemist.Spec;
using Microsoft.Extensions.AI;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// A step of the gateway's chain. Each call is asked for whole, since a program can be extracted only from the full reply;
/// streaming is refused rather than passed on, because a stream would slip past the cache, the ledger and the cap.
/// </summary>
internal abstract class CallMiddleware(IChatClient inner) : DelegatingChatClient(inner)
{
    public sealed override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} answers whole responses only; call LlmGateway.CompleteAsync");
}

/// <summary>Answers a call already finished with the same provider, model, messages, settings and sample; a hit goes no further.</summary>
internal sealed class ResponseCacheChatClient(IChatClient inner, ResponseCache cache) : CallMiddleware(inner)
{
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        cache.TryGet(LlmChat.RequestOf(options), out var record)
            ? Task.FromResult(LlmChat.FromRecord(record))
            : base.GetResponseAsync(messages, options, cancellationToken);
}

/// <summary>
/// Keeps the project's total, spent plus in flight, under the cap: each call reserves its upper-bound cost before it goes on
/// and gives the reservation back once it returns, by which time the ledger (inside this step) holds what it really cost.
/// </summary>
internal sealed class SpendingCapChatClient(IChatClient inner, CostLedger ledger, decimal capUsd, Func<LlmRequest, decimal> estimate)
    : CallMiddleware(inner)
{
    private readonly Lock _gate = new();
    private decimal _reservedUsd;

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = LlmChat.RequestOf(options);
        var estimateUsd = estimate(request);
        Reserve(request, estimateUsd);
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _reservedUsd -= estimateUsd;
            }
        }
    }

    private void Reserve(LlmRequest request, decimal estimateUsd)
    {
        lock (_gate)
        {
            var committed = ledger.TotalCostUsd + _reservedUsd;
            if (committed + estimateUsd > capUsd)
            {
                throw new SpendingCapException(
                    $"spending cap of ${capUsd:0.####} reached: ${ledger.TotalCostUsd:0.####} spent, ${_reservedUsd:0.####} in flight, " +
                    $"and {request.Purpose} may cost up to ${estimateUsd:0.####} (model {request.Model}); raise llm.spending_cap_usd in alchemist.yaml to go on");
            }

            _reservedUsd += estimateUsd;
        }
    }
}

/// <summary>At most so many calls in flight at once, so that a run of many samples does not set off the provider's rate limits.</summary>
internal sealed class ConcurrencyLimitChatClient(IChatClient inner, int maxConcurrency) : CallMiddleware(inner)
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, maxConcurrency));

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _slots.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Records each call the provider answered: its cache entry first, then its ledger line, so that a kill between the two
/// writes is restored from the cache on the next open (<see cref="CostLedger.Reconcile"/>). The cache lookup stays a step
/// of its own above the spending cap, so that a hit is never priced; the writing happens here, inside the cap, so that a
/// call's reservation is held until its cost is on the ledger. Answers taken from a recording (replay) are not recorded again.
/// </summary>
internal sealed class LedgerChatClient(IChatClient inner, ResponseCache cache, CostLedger ledger, Func<string, ModelPrice> priceOf)
    : CallMiddleware(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = LlmChat.RequestOf(options);

        // Priced before anything is sent, so that a model with no known price fails before it costs money.
        var price = priceOf(request.Model);
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        if (LlmChat.IsRecorded(response))
        {
            return response;
        }

        var reply = LlmChat.ToReply(response, request);
        var (attempts, elapsed) = LlmChat.TimingOf(response);
        var record = new CallRecord
        {
            Key = request.Key,
            ContentKey = request.ContentKey,
            Purpose = request.Purpose,
            Provider = request.Provider,
            Model = request.Model,
            ModelReported = reply.ModelReported,
            Temperature = request.Temperature,
            MaxTokens = request.MaxTokens,
            Sample = request.Sample,
            InputTokens = reply.InputTokens,
            OutputTokens = reply.OutputTokens,
            TokensEstimated = reply.TokensEstimated,
            InputPricePerMillion = price.InputPerMillion,
            OutputPricePerMillion = price.OutputPerMillion,
            CostUsd = price.Cost(reply.InputTokens, reply.OutputTokens),
            Seconds = Math.Round(elapsed.TotalSeconds, 3),
            Attempts = attempts,
            FinishedAt = DateTimeOffset.UtcNow,
            FinishReason = reply.FinishReason,
            Messages = request.Messages,
            Reply = reply.Text,
        };
        cache.Store(record);
        ledger.Append(record);
        return response;
    }
}

/// <summary>
/// Counts the requests that reached the provider, each retry apart. A local client's refusal (a reply still pending, a
/// replay miss: both <see cref="SynthesisException"/>s) and an answer from a recording are no call.
/// </summary>
internal sealed class CallCountingChatClient(IChatClient provider) : CallMiddleware(provider)
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not SynthesisException)
        {
            Interlocked.Increment(ref _calls);
            throw;
        }

        if (!LlmChat.IsRecorded(response))
        {
            Interlocked.Increment(ref _calls);
        }

        return response;
    }
}
