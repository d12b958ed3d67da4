using Alchemist.Spec;
using Microsoft.Extensions.AI;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// The one door to an LLM, for the synthesizer: it turns an <see cref="LlmRequest"/> into a chat call down a chain of
/// Microsoft.Extensions.AI middleware over the provider's <see cref="IChatClient"/>, outermost first: the response cache
/// (a hit goes no further), then for remote providers the spending cap and the concurrency limit, the ledger (which writes
/// the finished call to the cache and the ledger), then for remote providers retries with a per-attempt timeout, and the
/// provider. Exchange and replay answer on this machine, so cap, limit and retries do not apply to them.
/// </summary>
public sealed class LlmGateway
{
    private readonly PriceTable _prices;
    private readonly ModelPrice? _fallbackPrice;
    private readonly ModelPrice? _fixedPrice;
    private readonly CallCountingChatClient _provider;
    private readonly IChatClient _chain;
    private int _cacheHits;

    /// <param name="provider">The provider's name as it enters every call's cache key (openai, anthropic, ollama, exchange...).</param>
    /// <param name="client">What answers: an SDK's IChatClient, <see cref="ExchangeChatClient"/> or <see cref="ReplayChatClient"/>.</param>
    public LlmGateway(
        string provider,
        IChatClient client,
        ResponseCache cache,
        CostLedger ledger,
        PriceTable prices,
        LlmGatewayOptions? options = null)
    {
        options ??= new LlmGatewayOptions();
        ProviderName = provider;
        Cache = cache;
        Ledger = ledger;
        _prices = prices;
        _fallbackPrice = options.FallbackPrice;
        _fixedPrice = options.FixedPrice;
        Ledger.Reconcile(cache);

        _provider = new CallCountingChatClient(client);
        var chain = new ChatClientBuilder(_provider).Use(inner => new ResponseCacheChatClient(inner, cache));
        if (options.Remote)
        {
            if (options.SpendingCapUsd is { } cap)
            {
                chain.Use(inner => new SpendingCapChatClient(inner, ledger, cap, EstimateCost));
            }

            chain.Use(inner => new ConcurrencyLimitChatClient(inner, options.MaxConcurrency));
        }

        chain.Use(inner => new LedgerChatClient(inner, cache, ledger, PriceOf));
        if (options.Remote)
        {
            chain.Use(inner => new RetryingChatClient(inner, options.Retry ?? RetryPolicy.Default, options.Delay ?? Task.Delay, options.Log ?? (_ => { })));
        }

        _chain = chain.Build();
    }

    public ResponseCache Cache { get; }

    public CostLedger Ledger { get; }

    internal string ProviderName { get; }

    /// <summary>Requests that reached the provider in this process, retries included (cache hits excluded; an exchange reply picked up counts as one).</summary>
    public int CallsMade => _provider.Calls;

    /// <summary>Calls answered from a recording: this provider's cache entry, or for replay any provider's.</summary>
    public int CacheHits => Volatile.Read(ref _cacheHits);

    public ModelPrice PriceOf(string model) => _fixedPrice ?? _prices.TryFind(model) ?? _fallbackPrice ?? _prices.Find(model);

    /// <summary>Upper-bound cost of a call: estimated prompt tokens plus the full reply allowance.</summary>
    public decimal EstimateCost(LlmRequest request) =>
        PriceOf(request.Model).Cost(TokenEstimator.EstimatePrompt(request.Messages), request.MaxTokens);

    public async Task<LlmReply> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        var (messages, options) = LlmChat.ToChat(request);
        var response = await _chain.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        if (LlmChat.IsRecorded(response))
        {
            Interlocked.Increment(ref _cacheHits);
        }

        return LlmChat.ToReply(response, request);
    }
}

public sealed record LlmGatewayOptions
{
    /// <summary>
    /// True when calls go over the network and may cost money, so that the spending cap, the concurrency limit and retries
    /// apply; false for a client that answers on this machine (exchange, replay, a dry run's stand-in).
    /// </summary>
    public bool Remote { get; init; } = true;

    /// <summary>Total over the project's whole ledger, in US dollars; null for no cap.</summary>
    public decimal? SpendingCapUsd { get; init; }

    public int MaxConcurrency { get; init; } = 4;

    public RetryPolicy? Retry { get; init; }

    /// <summary>Price for models the table does not know (local servers cost nothing); null makes an unknown model an error.</summary>
    public ModelPrice? FallbackPrice { get; init; }

    /// <summary>
    /// Price of every call whatever its model, where the calls cost no money at any model's rate: a person answering
    /// exchange prompts in a chat window pays no per-token price.
    /// </summary>
    public ModelPrice? FixedPrice { get; init; }

    /// <summary>How to wait between retries; tests shorten it.</summary>
    public Func<TimeSpan, CancellationToken, Task>? Delay { get; init; }

    public Action<string>? Log { get; init; }
}

public sealed class LlmCallException(string message, Exception inner) : SynthesisException(message, inner);

public sealed class SpendingCapException(string message) : SynthesisException(message);

public sealed class CacheMissException(LlmRequest request, string cacheFolder)
    : SynthesisException($"replay: no recorded reply for {request.Purpose} (model {request.Model}, sample {request.Sample}, key {request.Key[..12]}) in {cacheFolder}; " +
        "run once with a real provider or exchange to record it")
{
    public LlmRequest Request { get; } = request;
}
