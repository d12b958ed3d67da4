using System.Text.Json.Nodes;
using Alchemist.Spec;
using Alchemist.Synthesis.Llm;
using Microsoft.Extensions.AI;
using Xunit;

namespace Alchemist.Synthesis.Tests;

public sealed class LlmGatewayTests : IDisposable
{
    private const string Key = "sk-loopback-secret-0123456789";
    private readonly string _keyVariable = "ALCHEMIST_TEST_KEY_" + Guid.NewGuid().ToString("N");
    private readonly TempFolder _project = new();
    private readonly List<string> _log = [];

    public LlmGatewayTests() => Environment.SetEnvironmentVariable(_keyVariable, Key);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_keyVariable, null);
        _project.Dispose();
    }

    [Fact]
    public async Task OpenAiCompatible_SendsChatCompletionWireFormat_AndLedgerHasServerTokenCounts()
    {
        await using var server = new LoopbackLlmServer();
        var gateway = Gateway(new LlmEndpoint(LlmEndpoint.OpenAiCompatible, server.BaseUrl + "/v1", _keyVariable));
        var request = Request("openai-compatible", "gpt-4o-mini");

        var reply = await gateway.CompleteAsync(request, TestContext.Current.CancellationToken);

        var seen = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", seen.Path);
        Assert.Equal("Bearer " + Key, seen.Headers["Authorization"]);
        var body = seen.Json;
        Assert.Equal("gpt-4o-mini", body["model"]!.GetValue<string>());
        Assert.Equal(0.7, body["temperature"]!.GetValue<double>(), 5);
        Assert.Equal(321, (body["max_completion_tokens"] ?? body["max_tokens"])!.GetValue<int>());
        var messages = body["messages"]!.AsArray();
        Assert.Equal(["system", "user"], messages.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal("You write labeling functions.", TextOf(messages[0]!));
        Assert.Equal("Write one for spam.", TextOf(messages[1]!));
        // The call's own metadata rides in ChatOptions.AdditionalProperties for the middleware; it is no request parameter.
        Assert.DoesNotContain("alchemist", seen.Body, StringComparison.OrdinalIgnoreCase);

        var (input, output) = Assert.Single(server.ReportedUsage);
        Assert.Equal(input, reply.InputTokens);
        Assert.Equal(output, reply.OutputTokens);
        Assert.False(reply.TokensEstimated);
        var line = Assert.Single(gateway.Ledger.Records);
        Assert.Equal(input, line.InputTokens);
        Assert.Equal(output, line.OutputTokens);
        Assert.Equal("gpt-4o-mini", line.Model);
        Assert.Equal(((input * 0.15m) + (output * 0.60m)) / 1_000_000m, line.CostUsd);
        Assert.Contains("```csharp", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anthropic_SendsMessagesWireFormat_WithSystemApart_AndLedgerHasServerTokenCounts()
    {
        await using var server = new LoopbackLlmServer();
        var gateway = Gateway(new LlmEndpoint(LlmEndpoint.Anthropic, server.BaseUrl, _keyVariable));

        var reply = await gateway.CompleteAsync(Request("anthropic", "claude-sonnet-4-5"), TestContext.Current.CancellationToken);

        var seen = Assert.Single(server.Requests);
        Assert.Equal("/v1/messages", seen.Path);
        // Anthropic SDK 13.x sends the API key as a bearer token (its documented behaviour); older ones used x-api-key.
        Assert.True(
            seen.Headers.GetValueOrDefault("Authorization") == "Bearer " + Key || seen.Headers.GetValueOrDefault("x-api-key") == Key,
            string.Join(", ", seen.Headers.Keys));
        Assert.True(seen.Headers.ContainsKey("anthropic-version"));
        var body = seen.Json;
        Assert.Equal("claude-sonnet-4-5", body["model"]!.GetValue<string>());
        Assert.Equal(321, body["max_tokens"]!.GetValue<int>());
        // Anthropic SDK 13.x's MessageCreateParams has no temperature, so its IChatClient cannot send one.
        Assert.Contains("You write labeling functions.", body["system"]!.ToJsonString(), StringComparison.Ordinal);
        var message = Assert.Single(body["messages"]!.AsArray());
        Assert.Equal("user", message!["role"]!.GetValue<string>());
        Assert.Equal("Write one for spam.", TextOf(message));
        Assert.DoesNotContain("alchemist", seen.Body, StringComparison.OrdinalIgnoreCase);

        var (input, output) = Assert.Single(server.ReportedUsage);
        var line = Assert.Single(gateway.Ledger.Records);
        Assert.Equal((input, output), (line.InputTokens, line.OutputTokens));
        Assert.Equal((input, output), (reply.InputTokens, reply.OutputTokens));
        Assert.Equal(((input * 3m) + (output * 15m)) / 1_000_000m, line.CostUsd);
    }

    [Theory]
    [InlineData(LlmEndpoint.OpenAiCompatible, new[] { 429 })]
    [InlineData(LlmEndpoint.OpenAiCompatible, new[] { 500, 503 })]
    [InlineData(LlmEndpoint.Anthropic, new[] { 429 })]
    [InlineData(LlmEndpoint.Anthropic, new[] { 529, 502 })]
    public async Task TransientFailures_AreRetried_AndCountedOnce(string provider, int[] failures)
    {
        await using var server = new LoopbackLlmServer();
        server.FailNext(failures);
        var gateway = Gateway(Endpoint(provider, server));

        var reply = await gateway.CompleteAsync(Request(provider, ModelFor(provider)), TestContext.Current.CancellationToken);

        Assert.Equal(failures.Length + 1, server.Requests.Count);
        Assert.Equal(1, server.Served);
        var line = Assert.Single(gateway.Ledger.Records);
        Assert.Equal(failures.Length + 1, line.Attempts);
        Assert.Equal(Assert.Single(server.ReportedUsage).Input, line.InputTokens);
        Assert.Equal(failures.Length, _log.Count(l => l.Contains("retrying", StringComparison.Ordinal)));
        Assert.NotEmpty(reply.Text);
    }

    [Theory]
    [InlineData(LlmEndpoint.OpenAiCompatible, 401)]
    [InlineData(LlmEndpoint.OpenAiCompatible, 400)]
    [InlineData(LlmEndpoint.Anthropic, 401)]
    [InlineData(LlmEndpoint.Anthropic, 404)]
    public async Task ClientErrors_FailAtOnce_WithStatus_AndNeverShowTheKey(string provider, int status)
    {
        await using var server = new LoopbackLlmServer();
        server.FailNext(status);
        var gateway = Gateway(Endpoint(provider, server));

        var error = await Assert.ThrowsAsync<LlmCallException>(
            () => gateway.CompleteAsync(Request(provider, ModelFor(provider)), TestContext.Current.CancellationToken));

        Assert.Single(server.Requests);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Contains("program 1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(gateway.Ledger.Records);
        Assert.Equal(0, gateway.Cache.Count);
    }

    [Fact]
    public async Task PersistentServerErrors_GiveUpAfterMaxAttempts()
    {
        await using var server = new LoopbackLlmServer();
        server.FailNext(500, 500, 500, 500);
        var gateway = Gateway(Endpoint(LlmEndpoint.OpenAiCompatible, server));

        var error = await Assert.ThrowsAsync<LlmCallException>(
            () => gateway.CompleteAsync(Request("openai-compatible", "gpt-4o-mini"), TestContext.Current.CancellationToken));

        Assert.Equal(3, server.Requests.Count);
        Assert.Contains("after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondRun_AnswersFromCache_WithZeroCalls()
    {
        await using var server = new LoopbackLlmServer();
        var endpoint = Endpoint(LlmEndpoint.OpenAiCompatible, server);
        var first = await Gateway(endpoint).CompleteAsync(Request("openai-compatible", "gpt-4o-mini"), TestContext.Current.CancellationToken);

        var again = Gateway(endpoint);
        var second = await again.CompleteAsync(Request("openai-compatible", "gpt-4o-mini"), TestContext.Current.CancellationToken);
        var otherSample = await again.CompleteAsync(Request("openai-compatible", "gpt-4o-mini", sample: 2), TestContext.Current.CancellationToken);

        Assert.Equal(first, second);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(1, again.CallsMade);
        Assert.Equal(1, again.CacheHits);
        Assert.Equal(2, again.Ledger.Records.Count);
        Assert.NotNull(otherSample);
        Assert.DoesNotContain(Key, string.Concat(Directory.EnumerateFiles(_project.Path, "*", SearchOption.AllDirectories).Select(File.ReadAllText)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpendingCap_StopsACallBeforeItIsSent()
    {
        await using var server = new LoopbackLlmServer();
        var endpoint = Endpoint(LlmEndpoint.Anthropic, server);
        // claude-opus-4-1 at $75 per million output tokens: 321 output tokens alone may cost $0.024.
        var gateway = Gateway(endpoint, capUsd: 0.02m);

        var error = await Assert.ThrowsAsync<SpendingCapException>(
            () => gateway.CompleteAsync(Request("anthropic", "claude-opus-4-1"), TestContext.Current.CancellationToken));

        Assert.Empty(server.Requests);
        Assert.Contains("$0.02", error.Message, StringComparison.Ordinal);
        Assert.Contains("program 1", error.Message, StringComparison.Ordinal);

        var cheap = await Gateway(endpoint, capUsd: 0.02m).CompleteAsync(Request("anthropic", "claude-3-haiku"), TestContext.Current.CancellationToken);
        Assert.NotEmpty(cheap.Text);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task UnknownModelPrice_IsAnErrorNamingTheSpecKey_UnlessTheServerIsLocal()
    {
        await using var server = new LoopbackLlmServer();
        var remote = Replay();
        Assert.Contains("prices", Assert.Throws<SynthesisException>(() => remote.EstimateCost(Request("replay", "my-finetune"))).Message, StringComparison.Ordinal);

        var local = Gateway(Endpoint(LlmEndpoint.OpenAiCompatible, server));
        await local.CompleteAsync(Request("openai-compatible", "my-finetune"), TestContext.Current.CancellationToken);
        Assert.Equal(0m, Assert.Single(local.Ledger.Records).CostUsd);
    }

    [Fact]
    public async Task Replay_AnswersFromAnyProvidersRecording_AndFailsClearlyOnAMiss()
    {
        await using var server = new LoopbackLlmServer();
        var recorded = await Gateway(Endpoint(LlmEndpoint.OpenAiCompatible, server))
            .CompleteAsync(Request("openai-compatible", "gpt-4o-mini"), TestContext.Current.CancellationToken);

        var replay = Replay();
        var replayed = await replay.CompleteAsync(Request("replay", "gpt-4o-mini"), TestContext.Current.CancellationToken);
        Assert.Equal(recorded.Text, replayed.Text);

        var miss = await Assert.ThrowsAsync<CacheMissException>(
            () => replay.CompleteAsync(Request("replay", "gpt-4o-mini", sample: 9), TestContext.Current.CancellationToken));
        Assert.Contains("sample 9", miss.Message, StringComparison.Ordinal);
        Assert.Contains("replay", miss.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Exchange_WritesThePrompt_ThenPicksUpTheReply()
    {
        var exchange = new ExchangeChatClient(Path.Combine(_project.Path, "exchange"));
        var request = Request("exchange", "claude-sonnet-4-5");

        var pending = await Assert.ThrowsAsync<ReplyPendingException>(
            () => Local("exchange", exchange).CompleteAsync(request, TestContext.Current.CancellationToken));
        var prompt = File.ReadAllText(pending.PromptPath);
        Assert.Contains("Write one for spam.", prompt, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(pending.ReplyPath), prompt, StringComparison.Ordinal);
        Assert.False(File.Exists(pending.ReplyPath));

        File.WriteAllText(pending.ReplyPath, "```csharp\npublic static int Label(string text) => -1;\n```\n");
        var gateway = Local("exchange", exchange);
        var reply = await gateway.CompleteAsync(request, TestContext.Current.CancellationToken);
        Assert.Contains("=> -1", reply.Text, StringComparison.Ordinal);
        Assert.True(reply.TokensEstimated);
        Assert.Single(gateway.Ledger.Records);

        File.Delete(pending.ReplyPath);
        var rerun = Local("exchange", exchange);
        Assert.Equal(reply.Text, (await rerun.CompleteAsync(request, TestContext.Current.CancellationToken)).Text);
        Assert.Equal(1, rerun.CacheHits);
    }

    [Fact]
    public async Task KillBetweenCacheAndLedgerWrites_IsReconciledFromTheCache()
    {
        await using var server = new LoopbackLlmServer();
        var gateway = Gateway(Endpoint(LlmEndpoint.OpenAiCompatible, server));
        await gateway.CompleteAsync(Request("openai-compatible", "gpt-4o-mini"), TestContext.Current.CancellationToken);
        File.WriteAllText(gateway.Ledger.Path, "");

        var reopened = Gateway(Endpoint(LlmEndpoint.OpenAiCompatible, server));

        var line = Assert.Single(reopened.Ledger.Records);
        Assert.Equal(Assert.Single(server.ReportedUsage).Input, line.InputTokens);
    }

    [Fact]
    public void PriceTable_MatchesDatedSnapshots_AndSpecOverridesWin()
    {
        var table = new PriceTable(new Dictionary<string, ModelPrice> { ["gpt-4o"] = new(1m, 2m) });
        Assert.Equal(new ModelPrice(3m, 15m), table.TryFind("claude-sonnet-4-5-20250929"));
        Assert.Equal(new ModelPrice(0.15m, 0.60m), table.TryFind("gpt-4o-mini-2024-07-18"));
        Assert.Equal(new ModelPrice(1m, 2m), table.TryFind("gpt-4o-2024-08-06"));
        Assert.Equal(new ModelPrice(0.15m, 0.60m), table.TryFind("openai/gpt-4o-mini"));
        Assert.Null(table.TryFind("gpt-4omni"));
        Assert.Null(table.TryFind("llama3.1:8b"));
    }

    private static string TextOf(JsonNode message)
    {
        var content = message["content"]!;
        return content is JsonValue value
            ? value.GetValue<string>()
            : string.Concat(content.AsArray().Select(part => part!["text"]!.GetValue<string>()));
    }

    private static string ModelFor(string provider) => provider == LlmEndpoint.Anthropic ? "claude-sonnet-4-5" : "gpt-4o-mini";

    private static LlmRequest Request(string provider, string model, int sample = 1) =>
        new(provider, model, [LlmMessage.System("You write labeling functions."), LlmMessage.User("Write one for spam.")], 0.7, 321, sample, "program 1");

    private LlmEndpoint Endpoint(string provider, LoopbackLlmServer server) =>
        new(provider, provider == LlmEndpoint.Anthropic ? server.BaseUrl : server.BaseUrl + "/v1", _keyVariable);

    private ResponseCache Cache() => new(Path.Combine(_project.Path, "cache"));

    private CostLedger Ledger() => new(Path.Combine(_project.Path, "ledger.jsonl"));

    /// <summary>A gateway over a client that answers on this machine, as SynthesisSession opens one for exchange.</summary>
    private LlmGateway Local(string provider, IChatClient client) =>
        new(provider, client, Cache(), Ledger(), new PriceTable(), new LlmGatewayOptions { Remote = false });

    private LlmGateway Replay()
    {
        var cache = Cache();
        return new(LlmEndpoint.Replay, new ReplayChatClient(cache), cache, Ledger(), new PriceTable(), new LlmGatewayOptions { Remote = false });
    }

    private LlmGateway Gateway(LlmEndpoint endpoint, decimal? capUsd = null)
    {
        var retry = new RetryPolicy(MaxAttempts: 3, BaseDelay: TimeSpan.FromMilliseconds(1), MaxDelay: TimeSpan.FromMilliseconds(5), AttemptTimeout: TimeSpan.FromSeconds(20));
        var cache = Cache();
        return new LlmGateway(
            endpoint.Provider,
            endpoint.CreateClient(new ProjectLayout(_project.Path), retry.AttemptTimeout, cache),
            cache,
            Ledger(),
            new PriceTable(),
            new LlmGatewayOptions
            {
                Remote = endpoint.IsRemote,
                Retry = retry,
                SpendingCapUsd = capUsd,
                FallbackPrice = endpoint.IsLocal ? ModelPrice.Free : null,
                Log = line => { lock (_log) { _log.Add(line); } },
            });
    }
}
