using System.ClientModel;
using System.ClientModel.Primitives;
using Alchemist.Spec;
using Alchemist.Synthesis.Llm;
using Microsoft.Extensions.AI;
using Xunit;

namespace Alchemist.Synthesis.Tests;

/// <summary>
/// The gateway's middleware chain over a fake provider: which step stops a call, what each records, and what the retries wait.
/// Prices are gpt-4o's list prices ($2.50 in, $10 out per million tokens); the two test messages estimate at 24 prompt
/// tokens (3 + (4 + 32/4) + (4 + 22/4)), so a call allowed 1,000 reply tokens may cost up to $0.00006 + $0.01 = $0.01006.
/// </summary>
public sealed class LlmMiddlewareTests : IDisposable
{
    private readonly TempFolder _project = new();
    private readonly List<string> _log = [];
    private readonly List<TimeSpan> _waits = [];

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task CacheHit_NeverReachesTheCapOrTheProvider_AndACapRefusalNeverReachesTheProvider()
    {
        var cache = Cache();
        cache.Store(Recorded(Request("openai", sample: 1), "cached reply", 400, 100, new ModelPrice(2.5m, 10m), modelReported: "gpt-4o-2024-08-06"));
        var provider = new FakeProvider((_, _) => throw new InvalidOperationException("the provider must not be called"));
        var gateway = Gateway("openai", provider, cache, new LlmGatewayOptions { SpendingCapUsd = 0.01m });

        var hit = await gateway.CompleteAsync(Request("openai", sample: 1), TestContext.Current.CancellationToken);

        Assert.Equal(new LlmReply("cached reply", 400, 100, false, "gpt-4o-2024-08-06", "stop"), hit);
        Assert.Equal((1, 0, 0), (gateway.CacheHits, gateway.CallsMade, provider.Calls));

        // $0.002 spent (the recorded call: 400 x $2.50 + 100 x $10 per million, restored to the ledger from the cache)
        // + up to $0.01006 > $0.01.
        var refused = await Assert.ThrowsAsync<SpendingCapException>(
            () => gateway.CompleteAsync(Request("openai", sample: 2), TestContext.Current.CancellationToken));

        Assert.Equal(
            "spending cap of $0.01 reached: $0.002 spent, $0 in flight, and program 1 may cost up to $0.0101 (model gpt-4o); " +
            "raise llm.spending_cap_usd in alchemist.yaml to go on",
            refused.Message);
        Assert.Equal((1, 0, 0), (gateway.CacheHits, gateway.CallsMade, provider.Calls));
        Assert.Equal(0.002m, Assert.Single(gateway.Ledger.Records).CostUsd);
        Assert.Equal(1, gateway.Cache.Count);
    }

    [Fact]
    public async Task A429WithRetryAfter_WaitsTheGivenTime_ThenTheLedgerRecordsTwoAttempts()
    {
        var provider = new FakeProvider((attempt, _) => attempt == 1
            ? throw new ClientResultException("rate limited\nplease slow down", new FakeResponse(429, ("Retry-After", "7")))
            : Task.FromResult(Answer("a program", 1000, 200)));
        var gateway = Gateway("openai", provider, Cache(), new LlmGatewayOptions
        {
            Retry = new RetryPolicy(MaxAttempts: 3, BaseDelay: TimeSpan.FromSeconds(2), MaxDelay: TimeSpan.FromSeconds(60), AttemptTimeout: TimeSpan.FromSeconds(20)),
        });

        var reply = await gateway.CompleteAsync(Request("openai", sample: 1), TestContext.Current.CancellationToken);

        Assert.Equal(new LlmReply("a program", 1000, 200, false, "gpt-4o-2024-08-06", "stop"), reply);
        Assert.Equal([TimeSpan.FromSeconds(7)], _waits);
        Assert.Equal(["program 1: HTTP 429 TooManyRequests: rate limited; retrying in 7 s (attempt 2 of 3)"], _log);
        Assert.Equal((2, 2, 0), (provider.Calls, gateway.CallsMade, gateway.CacheHits));
        var line = Assert.Single(gateway.Ledger.Records);
        Assert.Equal((2, 1000, 200, false), (line.Attempts, line.InputTokens, line.OutputTokens, line.TokensEstimated));
        Assert.Equal(0.0045m, line.CostUsd); // 1,000 x $2.50 + 200 x $10 per million
        Assert.Equal(("openai", "gpt-4o", "gpt-4o-2024-08-06", "stop"), (line.Provider, line.Model, line.ModelReported, line.FinishReason));
        Assert.InRange(line.Seconds, 0, 5);
        Assert.Equal(2, Assert.Single(gateway.Cache.Entries).Attempts);
    }

    [Fact]
    public async Task AnAttemptPastItsTimeout_IsRetried_AndALastFailureNamesTheCallAndItsAttempts()
    {
        // BaseDelay above MaxDelay makes every backoff the 1 s cap, whatever the jitter.
        var retry = new RetryPolicy(MaxAttempts: 2, BaseDelay: TimeSpan.FromSeconds(4), MaxDelay: TimeSpan.FromSeconds(1), AttemptTimeout: TimeSpan.FromSeconds(1));
        var slowThenFine = new FakeProvider(async (attempt, ct) =>
        {
            if (attempt == 1)
            {
                await Task.Delay(Timeout.Infinite, ct);
            }

            return Answer("late but fine", 10, 5);
        });
        var gateway = Gateway("openai", slowThenFine, Cache(), new LlmGatewayOptions { Retry = retry });

        Assert.Equal("late but fine", (await gateway.CompleteAsync(Request("openai", sample: 1), TestContext.Current.CancellationToken)).Text);
        Assert.Equal(["program 1: no reply within 1 s; retrying in 1 s (attempt 2 of 2)"], _log);
        Assert.Equal(2, Assert.Single(gateway.Ledger.Records).Attempts);

        var overloaded = new FakeProvider((_, _) => throw new ClientResultException("overloaded", new FakeResponse(503)));
        var failing = Gateway("openai", overloaded, Cache(), new LlmGatewayOptions { Retry = retry });
        var error = await Assert.ThrowsAsync<LlmCallException>(
            () => failing.CompleteAsync(Request("openai", sample: 2), TestContext.Current.CancellationToken));

        Assert.Equal("openai call for program 1 (model gpt-4o) failed after 2 attempts: HTTP 503 ServiceUnavailable: overloaded", error.Message);
        Assert.Equal((2, 2), (overloaded.Calls, failing.CallsMade));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)], _waits);
        Assert.Single(failing.Ledger.Records); // only the first gateway's call
    }

    [Fact]
    public async Task Replay_AnswersACallRecordedUnderAnotherProvider_AndRecordsNothingNew()
    {
        var cache = Cache();
        cache.Store(Recorded(Request("anthropic", sample: 1, model: "claude-sonnet-4-5"), "recorded by anthropic", 400, 90, new ModelPrice(3m, 15m), modelReported: "claude-sonnet-4-5-20250929"));
        var replay = Gateway(LlmEndpoint.Replay, new ReplayChatClient(cache), cache, new LlmGatewayOptions { Remote = false });

        var reply = await replay.CompleteAsync(Request("replay", sample: 1, model: "claude-sonnet-4-5"), TestContext.Current.CancellationToken);

        Assert.Equal(new LlmReply("recorded by anthropic", 400, 90, false, "claude-sonnet-4-5-20250929", "stop"), reply);
        Assert.Equal((1, 0), (replay.CacheHits, replay.CallsMade));
        Assert.Equal(1, replay.Cache.Count);
        Assert.Equal("anthropic", Assert.Single(replay.Ledger.Records).Provider);
    }

    [Fact]
    public async Task ReplayMiss_ThrowsCacheMissException_NamingTheCall()
    {
        var cache = Cache();
        cache.Store(Recorded(Request("anthropic", sample: 1, model: "claude-sonnet-4-5"), "recorded by anthropic", 400, 90, new ModelPrice(3m, 15m), modelReported: "claude-sonnet-4-5-20250929"));
        var replay = Gateway(LlmEndpoint.Replay, new ReplayChatClient(cache), cache, new LlmGatewayOptions { Remote = false });
        var request = Request("replay", sample: 2, model: "claude-sonnet-4-5");

        var miss = await Assert.ThrowsAsync<CacheMissException>(() => replay.CompleteAsync(request, TestContext.Current.CancellationToken));

        Assert.Equal(
            $"replay: no recorded reply for program 1 (model claude-sonnet-4-5, sample 2, key {request.Key[..12]}) in {cache.Folder}; " +
            "run once with a real provider or exchange to record it",
            miss.Message);
        Assert.Same(request, miss.Request);
        Assert.Equal((0, 0), (replay.CacheHits, replay.CallsMade));
    }

    private static LlmRequest Request(string provider, int sample, string model = "gpt-4o") =>
        new(provider, model, [LlmMessage.System("You write labeling functions."), LlmMessage.User("Write one for spam.")], 0.7, 1000, sample, "program 1");

    private static CallRecord Recorded(LlmRequest request, string reply, int input, int output, ModelPrice price, string modelReported) => new()
    {
        Key = request.Key,
        ContentKey = request.ContentKey,
        Purpose = request.Purpose,
        Provider = request.Provider,
        Model = request.Model,
        ModelReported = modelReported,
        Temperature = request.Temperature,
        MaxTokens = request.MaxTokens,
        Sample = request.Sample,
        InputTokens = input,
        OutputTokens = output,
        TokensEstimated = false,
        InputPricePerMillion = price.InputPerMillion,
        OutputPricePerMillion = price.OutputPerMillion,
        CostUsd = price.Cost(input, output),
        Seconds = 1.5,
        Attempts = 1,
        FinishedAt = DateTimeOffset.UnixEpoch,
        FinishReason = "stop",
        Messages = request.Messages,
        Reply = reply,
    };

    private static ChatResponse Answer(string text, int input, int output) =>
        new(new ChatMessage(ChatRole.Assistant, text))
        {
            ModelId = "gpt-4o-2024-08-06",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output },
        };

    private ResponseCache Cache() => new(Path.Combine(_project.Path, "cache"));

    private LlmGateway Gateway(string provider, IChatClient client, ResponseCache cache, LlmGatewayOptions options) =>
        new(provider, client, cache, new CostLedger(Path.Combine(_project.Path, "ledger.jsonl")), new PriceTable(), options with
        {
            Delay = (wait, _) =>
            {
                _waits.Add(wait);
                return Task.CompletedTask;
            },
            Log = _log.Add,
        });

    /// <summary>A provider scripted per attempt (1-based), counting every request it is handed.</summary>
    private sealed class FakeProvider(Func<int, CancellationToken, Task<ChatResponse>> answer) : IChatClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            answer(Interlocked.Increment(ref _calls), cancellationToken);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>The HTTP response an OpenAI SDK error carries: its status and headers are all RetryPolicy reads.</summary>
    private sealed class FakeResponse(int status, params (string Name, string Value)[] headers) : PipelineResponse
    {
        public override int Status => status;

        public override string ReasonPhrase => "";

        public override Stream? ContentStream { get; set; }

        public override BinaryData Content => BinaryData.Empty;

        protected override PipelineResponseHeaders HeadersCore => new FakeHeaders(headers);

        public override BinaryData BufferContent(CancellationToken cancellationToken = default) => BinaryData.Empty;

        public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(BinaryData.Empty);

        public override void Dispose()
        {
        }

        private sealed class FakeHeaders((string Name, string Value)[] headers) : PipelineResponseHeaders
        {
            public override bool TryGetValue(string name, out string? value)
            {
                value = headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
                return value is not null;
            }

            public override bool TryGetValues(string name, out IEnumerable<string>? values)
            {
                values = TryGetValue(name, out var value) ? [value!] : null;
                return values is not null;
            }

            public override IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
                headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)).GetEnumerator();
        }
    }
}
