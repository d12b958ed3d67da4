using System.Text.Json.Serialization;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// One finished call as stored in the cache (with its request and reply) and, without them, as a ledger line.
/// Tokens are the provider's counts unless <see cref="TokensEstimated"/> (exchange replies, providers that report no usage).
/// </summary>
public sealed record CallRecord
{
    /// <summary>The call's content address (<see cref="LlmRequest.Key"/>, 64 hex digits); the cache entry's file is named after it.</summary>
    [JsonPropertyName("key")]
    public required string Key { get; init; }

    /// <summary>The same address without the provider (<see cref="LlmRequest.ContentKey"/>), by which replay finds any provider's recording.</summary>
    [JsonPropertyName("content_key")]
    public required string ContentKey { get; init; }

    /// <summary>What the call was for, as the run named it (such as "synth-01 knowledge" or "synth-01 repair 1").</summary>
    [JsonPropertyName("purpose")]
    public required string Purpose { get; init; }

    /// <summary>The provider name the call was keyed under (openai, anthropic, exchange...).</summary>
    [JsonPropertyName("provider")]
    public required string Provider { get; init; }

    /// <summary>The model id asked for; each call is priced at this model's rate.</summary>
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    /// <summary>The model id the provider says answered (often a dated snapshot of <see cref="Model"/>); null when it reports none.</summary>
    [JsonPropertyName("model_reported")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ModelReported { get; init; }

    /// <summary>The sampling temperature sent.</summary>
    [JsonPropertyName("temperature")]
    public required double Temperature { get; init; }

    /// <summary>The reply's token allowance sent.</summary>
    [JsonPropertyName("max_tokens")]
    public required int MaxTokens { get; init; }

    /// <summary>The call's sample index, part of its key so that repeats of one prompt are different calls.</summary>
    [JsonPropertyName("sample")]
    public required int Sample { get; init; }

    /// <summary>Prompt tokens: the provider's count, or an estimate when <see cref="TokensEstimated"/>.</summary>
    [JsonPropertyName("input_tokens")]
    public required int InputTokens { get; init; }

    /// <summary>Reply tokens: the provider's count, or an estimate when <see cref="TokensEstimated"/>.</summary>
    [JsonPropertyName("output_tokens")]
    public required int OutputTokens { get; init; }

    /// <summary>True when the token counts are estimates from characters (<see cref="TokenEstimator"/>) rather than the provider's.</summary>
    [JsonPropertyName("tokens_estimated")]
    public required bool TokensEstimated { get; init; }

    /// <summary>US dollars per million prompt tokens the call was priced at.</summary>
    [JsonPropertyName("input_price_per_million")]
    public required decimal InputPricePerMillion { get; init; }

    /// <summary>US dollars per million reply tokens the call was priced at.</summary>
    [JsonPropertyName("output_price_per_million")]
    public required decimal OutputPricePerMillion { get; init; }

    /// <summary>What the call cost in US dollars: its tokens at the prices above (0 for a model priced free).</summary>
    [JsonPropertyName("cost_usd")]
    public required decimal CostUsd { get; init; }

    /// <summary>How long the call took in seconds, retries and the waits between them included; 0 for an answer given on this machine (exchange).</summary>
    [JsonPropertyName("seconds")]
    public required double Seconds { get; init; }

    /// <summary>Attempts the call took: 1 when the first one succeeded (and for answers given on this machine).</summary>
    [JsonPropertyName("attempts")]
    public required int Attempts { get; init; }

    /// <summary>When the reply came back (UTC).</summary>
    [JsonPropertyName("finished_at")]
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>Why the provider stopped (such as stop or length); null when it gave no reason.</summary>
    [JsonPropertyName("finish_reason")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FinishReason { get; init; }

    /// <summary>The prompt; kept in cache entries, null in ledger lines.</summary>
    [JsonPropertyName("messages")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<LlmMessage>? Messages { get; init; }

    /// <summary>The reply's text; kept in cache entries, null in ledger lines.</summary>
    [JsonPropertyName("reply")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reply { get; init; }

    /// <summary>The ledger's copy: everything but the prompt and the reply text.</summary>
    public CallRecord WithoutContent() => this with { Messages = null, Reply = null };

    internal LlmReply ToReply() => new(Reply ?? "", InputTokens, OutputTokens, TokensEstimated, ModelReported, FinishReason);
}
