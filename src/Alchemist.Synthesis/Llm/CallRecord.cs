using System.Text.Json.Serialization;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// One finished call as stored in the cache (with its request and reply) and, without them, as a ledger line.
/// Tokens are the provider's counts unless <see cref="TokensEstimated"/> (exchange replies, providers that report no usage).
/// </summary>
public sealed record CallRecord
{
    [JsonPropertyName("key")]
    public required string Key { get; init; }

    [JsonPropertyName("content_key")]
    public required string ContentKey { get; init; }

    [JsonPropertyName("purpose")]
    public required string Purpose { get; init; }

    [JsonPropertyName("provider")]
    public required string Provider { get; init; }

    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("model_reported")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ModelReported { get; init; }

    [JsonPropertyName("temperature")]
    public required double Temperature { get; init; }

    [JsonPropertyName("max_tokens")]
    public required int MaxTokens { get; init; }

    [JsonPropertyName("sample")]
    public required int Sample { get; init; }

    [JsonPropertyName("input_tokens")]
    public required int InputTokens { get; init; }

    [JsonPropertyName("output_tokens")]
    public required int OutputTokens { get; init; }

    [JsonPropertyName("tokens_estimated")]
    public required bool TokensEstimated { get; init; }

    [JsonPropertyName("input_price_per_million")]
    public required decimal InputPricePerMillion { get; init; }

    [JsonPropertyName("output_price_per_million")]
    public required decimal OutputPricePerMillion { get; init; }

    [JsonPropertyName("cost_usd")]
    public required decimal CostUsd { get; init; }

    [JsonPropertyName("seconds")]
    public required double Seconds { get; init; }

    [JsonPropertyName("attempts")]
    public required int Attempts { get; init; }

    [JsonPropertyName("finished_at")]
    public required DateTimeOffset FinishedAt { get; init; }

    [JsonPropertyName("finish_reason")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FinishReason { get; init; }

    [JsonPropertyName("messages")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<LlmMessage>? Messages { get; init; }

    [JsonPropertyName("reply")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reply { get; init; }

    /// <summary>The ledger's copy: everything but the prompt and the reply text.</summary>
    public CallRecord WithoutContent() => this with { Messages = null, Reply = null };

    internal LlmReply ToReply() => new(Reply ?? "", InputTokens, OutputTokens, TokensEstimated, ModelReported, FinishReason);
}
