using System.Diagnostics;
using Alchemist.Spec;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// The one door to an LLM: answers from the cache when it can; otherwise checks the spending cap against an estimate of the
/// call's cost, waits for a concurrency slot, calls the provider with retries, and stores the finished call in the cache
/// and the ledger before returning it.
/// </summary>
public sealed class LlmGateway
{
    private readonly ILlmProvider _provider;
    private readonly PriceTable _prices;
    private readonly ModelPrice? _fallbackPrice;
    private readonly ModelPrice? _fixedPrice;
    private readonly decimal? _spendingCapUsd;
    private readonly RetryPolicy _retry;
    private readonly SemaphoreSlim _slots;
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Action<string> _log;
    private readonly Lock _budgetGate = new();
    private decimal _reservedUsd;
    private int _callsMade;
    private int _cacheHits;

    public LlmGateway(
        ILlmProvider provider,
        ResponseCache cache,
        CostLedger ledger,
        PriceTable prices,
        LlmGatewayOptions? options = null)
    {
        options ??= new LlmGatewayOptions();
        _provider = provider;
        Cache = cache;
        Ledger = ledger;
        _prices = prices;
        _fallbackPrice = options.FallbackPrice;
        _fixedPrice = options.FixedPrice;
        _spendingCapUsd = options.SpendingCapUsd;
        _retry = options.Retry ?? RetryPolicy.Default;
        _slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrency));
        _delay = options.Delay ?? Task.Delay;
        _log = options.Log ?? (_ => { });
        Ledger.Reconcile(cache);
    }

    public ResponseCache Cache { get; }

    public CostLedger Ledger { get; }

    public string ProviderName => _provider.Name;

    /// <summary>Requests that reached the provider in this process, retries included (cache hits excluded; an exchange reply picked up counts as one).</summary>
    public int CallsMade => Volatile.Read(ref _callsMade);

    public int CacheHits => Volatile.Read(ref _cacheHits);

    public ModelPrice PriceOf(string model) => _fixedPrice ?? _prices.TryFind(model) ?? _fallbackPrice ?? _prices.Find(model);

    /// <summary>Upper-bound cost of a call: estimated prompt tokens plus the full reply allowance.</summary>
    public decimal EstimateCost(LlmRequest request) =>
        PriceOf(request.Model).Cost(TokenEstimator.EstimatePrompt(request.Messages), request.MaxTokens);

    public async Task<LlmReply> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        if (Cache.TryGet(request, out var cached))
        {
            Interlocked.Increment(ref _cacheHits);
            return cached.ToReply();
        }

        if (_provider is ReplayProvider)
        {
            if (Cache.TryGetAnyProvider(request, out var recorded))
            {
                Interlocked.Increment(ref _cacheHits);
                return recorded.ToReply();
            }

            throw new CacheMissException(request, Cache.Folder);
        }

        if (_provider.IsRemote)
        {
            return await CallRemoteAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var answered = await _provider.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _callsMade);
        return Record(request, answered, TimeSpan.Zero, attempts: 1);
    }

    private async Task<LlmReply> CallRemoteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        var price = PriceOf(request.Model);
        var estimate = price.Cost(TokenEstimator.EstimatePrompt(request.Messages), request.MaxTokens);
        Reserve(request, estimate);
        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var clock = Stopwatch.StartNew();
                for (var attempt = 1; ; attempt++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    attemptTimeout.CancelAfter(_retry.AttemptTimeout);
                    try
                    {
                        Interlocked.Increment(ref _callsMade);
                        var reply = await _provider.CompleteAsync(request, attemptTimeout.Token).ConfigureAwait(false);
                        return Record(request, reply, clock.Elapsed, attempt);
                    }
                    catch (Exception error) when (!cancellationToken.IsCancellationRequested && error is not SynthesisException)
                    {
                        var timedOut = error is OperationCanceledException && attemptTimeout.IsCancellationRequested;
                        var (retryable, _, retryAfter, reason) = timedOut
                            ? (true, 0, null, $"no reply within {_retry.AttemptTimeout.TotalSeconds:0} s")
                            : RetryPolicy.Classify(error);
                        if (!retryable || attempt >= _retry.MaxAttempts)
                        {
                            var tries = attempt == 1 ? "" : $" after {attempt} attempts";
                            throw new LlmCallException(
                                $"{_provider.Name} call for {request.Purpose} (model {request.Model}) failed{tries}: {reason}", error);
                        }

                        var wait = _retry.Delay(attempt, retryAfter);
                        _log($"{request.Purpose}: {reason}; retrying in {wait.TotalSeconds:0.#} s (attempt {attempt + 1} of {_retry.MaxAttempts})");
                        await _delay(wait, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            lock (_budgetGate)
            {
                _reservedUsd -= estimate;
            }
        }
    }

    private void Reserve(LlmRequest request, decimal estimate)
    {
        if (_spendingCapUsd is not { } cap)
        {
            return;
        }

        lock (_budgetGate)
        {
            var committed = Ledger.TotalCostUsd + _reservedUsd;
            if (committed + estimate > cap)
            {
                throw new SpendingCapException(
                    $"spending cap of ${cap:0.####} reached: ${Ledger.TotalCostUsd:0.####} spent, ${_reservedUsd:0.####} in flight, " +
                    $"and {request.Purpose} may cost up to ${estimate:0.####} (model {request.Model}); raise llm.spending_cap_usd in alchemist.yaml to go on");
            }

            _reservedUsd += estimate;
        }
    }

    private LlmReply Record(LlmRequest request, LlmReply reply, TimeSpan elapsed, int attempts)
    {
        var price = PriceOf(request.Model);
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
        Cache.Store(record);
        Ledger.Append(record);
        return reply;
    }
}

public sealed record LlmGatewayOptions
{
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
