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
    /// <param name="cache">Finished calls: a request recorded here is answered from it, and each call the provider answers is stored here.</param>
    /// <param name="ledger">The project's ledger: each call the provider answers gets a line, and the spending cap counts its total. Cache entries it lacks (a kill between the two writes) are added here.</param>
    /// <param name="prices">Model prices for the ledger and the spending cap; <paramref name="options"/> may price models the table does not know.</param>
    /// <param name="options">Whether calls are remote, the cap, concurrency, retries and fallback prices; null for the defaults of <see cref="LlmGatewayOptions"/>.</param>
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

    /// <summary>The cache calls are answered from and recorded in.</summary>
    public ResponseCache Cache { get; }

    /// <summary>The ledger each call the provider answers is written to.</summary>
    public CostLedger Ledger { get; }

    internal string ProviderName { get; }

    /// <summary>Requests that reached the provider in this process, retries included (cache hits excluded; an exchange reply picked up counts as one).</summary>
    public int CallsMade => _provider.Calls;

    /// <summary>Calls answered from a recording: this provider's cache entry, or for replay any provider's.</summary>
    public int CacheHits => Volatile.Read(ref _cacheHits);

    /// <summary>
    /// The price a call to <paramref name="model"/> is recorded at: the fixed price when one is set, else the table's, else the
    /// fallback price; with none of them it throws <see cref="SynthesisException"/>, before anything is sent.
    /// </summary>
    public ModelPrice PriceOf(string model) => _fixedPrice ?? _prices.TryFind(model) ?? _fallbackPrice ?? _prices.Find(model);

    /// <summary>Upper-bound cost of a call: estimated prompt tokens plus the full reply allowance.</summary>
    public decimal EstimateCost(LlmRequest request) =>
        PriceOf(request.Model).Cost(TokenEstimator.EstimatePrompt(request.Messages), request.MaxTokens);

    /// <summary>
    /// The reply to one call: from the cache when the same call was finished before, else from the provider, recorded in the
    /// cache and the ledger. Failures the user can act on are <see cref="SynthesisException"/>s: <see cref="SpendingCapException"/>
    /// (refused before sending), <see cref="LlmCallException"/> (failed for good), <see cref="ReplyPendingException"/> (an
    /// exchange reply not written yet) and <see cref="CacheMissException"/> (nothing recorded to replay).
    /// </summary>
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

/// <summary>How an <see cref="LlmGateway"/> treats its calls; every setting has a default.</summary>
public sealed record LlmGatewayOptions
{
    /// <summary>
    /// True when calls go over the network and may cost money, so that the spending cap, the concurrency limit and retries
    /// apply; false for a client that answers on this machine (exchange, replay, a dry run's stand-in).
    /// </summary>
    public bool Remote { get; init; } = true;

    /// <summary>Total over the project's whole ledger, in US dollars; null for no cap.</summary>
    public decimal? SpendingCapUsd { get; init; }

    /// <summary>Most remote calls in flight at once (at least 1).</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>Retries and the per-attempt timeout of remote calls; null for <see cref="RetryPolicy.Default"/>.</summary>
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

    /// <summary>Receives a line for each retry (what failed and how long it waits); null logs nothing.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>A remote call failed for good: a failure that retrying cannot help, or the last of its attempts.</summary>
/// <param name="message">Names the provider, the call, the model, the attempts made and the reason.</param>
/// <param name="inner">The last failure the SDK or the network reported.</param>
public sealed class LlmCallException(string message, Exception inner) : SynthesisException(message, inner);

/// <summary>
/// A call refused before it was sent: the project's spending so far, plus the calls in flight, plus this call's upper-bound
/// cost would go over the spending cap (llm.spending_cap_usd).
/// </summary>
/// <param name="message">The cap, what is spent and in flight, and the call that would go over.</param>
public sealed class SpendingCapException(string message) : SynthesisException(message);

/// <summary>Replay has no recording of a call, from any provider: a run with a real provider or exchange must make it first.</summary>
/// <param name="request">The call that has no recording.</param>
/// <param name="cacheFolder">The cache folder searched, named in the message.</param>
public sealed class CacheMissException(LlmRequest request, string cacheFolder)
    : SynthesisException($"replay: no recorded reply for {request.Purpose} (model {request.Model}, sample {request.Sample}, key {request.Key[..12]}) in {cacheFolder}; " +
        "run once with a real provider or exchange to record it")
{
    /// <summary>The call that has no recording.</summary>
    public LlmRequest Request { get; } = request;
}
