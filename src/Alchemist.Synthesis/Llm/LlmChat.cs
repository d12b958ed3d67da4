using Microsoft.Extensions.AI;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// The one translation between the project's calls and Microsoft.Extensions.AI. An <see cref="LlmRequest"/> becomes chat
/// messages and options, and the request itself rides along in the options' additional properties, because the cache,
/// ledger, cap and exchange key, price and label a call by what IChatClient has no field for (provider name, sample,
/// purpose). A response becomes an <see cref="LlmReply"/>; what a ChatResponse has no field for (token counts that are
/// estimates, an answer taken from a recording, attempts and seconds) rides in its additional properties.
/// </summary>
internal static class LlmChat
{
    private const string CallKey = "alchemist.call";
    private const string TokensEstimatedKey = "alchemist.tokens_estimated";
    private const string RecordedKey = "alchemist.recorded";
    private const string AttemptsKey = "alchemist.attempts";
    private const string SecondsKey = "alchemist.seconds";

    public static (IList<ChatMessage> Messages, ChatOptions Options) ToChat(LlmRequest request)
    {
        var messages = request.Messages.Select(m => new ChatMessage(RoleOf(m.Role), m.Content)).ToList();
        var options = new ChatOptions
        {
            ModelId = request.Model,
            Temperature = (float)request.Temperature,
            MaxOutputTokens = request.MaxTokens,
            AdditionalProperties = new() { [CallKey] = request },
        };
        return (messages, options);
    }

    /// <summary>The call a chat request stands for; a request that did not come through the gateway has none.</summary>
    public static LlmRequest RequestOf(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(CallKey, out var value) == true && value is LlmRequest request
            ? request
            : throw new InvalidOperationException("a chat request reached the LLM chain without its LlmRequest; send calls through LlmGateway.CompleteAsync");

    /// <summary>A reply as a chat response, for clients that answer without an SDK (exchange) and for answers from recordings.</summary>
    public static ChatResponse ToResponse(LlmReply reply) =>
        new(new ChatMessage(ChatRole.Assistant, reply.Text))
        {
            ModelId = reply.ModelReported,
            FinishReason = string.IsNullOrWhiteSpace(reply.FinishReason) ? null : new ChatFinishReason(reply.FinishReason),
            Usage = new UsageDetails { InputTokenCount = reply.InputTokens, OutputTokenCount = reply.OutputTokens },
            AdditionalProperties = new() { [TokensEstimatedKey] = reply.TokensEstimated },
        };

    /// <summary>A finished call answered again from its recording: nothing is sent, spent or recorded for it.</summary>
    public static ChatResponse FromRecord(CallRecord record)
    {
        var response = ToResponse(record.ToReply());
        response.AdditionalProperties![RecordedKey] = true;
        return response;
    }

    public static bool IsRecorded(ChatResponse response) => Flag(response, RecordedKey);

    /// <summary>Token counts come from the provider's usage report; where it gives none they are estimated, and marked so.</summary>
    public static LlmReply ToReply(ChatResponse response, LlmRequest request)
    {
        var text = response.Text;
        var usage = response.Usage;
        var estimated = Flag(response, TokensEstimatedKey) || usage?.InputTokenCount is null || usage.OutputTokenCount is null;
        var input = usage?.InputTokenCount is { } i ? checked((int)i) : TokenEstimator.EstimatePrompt(request.Messages);
        var output = usage?.OutputTokenCount is { } o ? checked((int)o) : TokenEstimator.Estimate(text);
        return new LlmReply(text, input, output, estimated, response.ModelId, response.FinishReason?.Value);
    }

    /// <summary>Marks how many attempts a remote call took and how long they ran, retry waits included, for its ledger line.</summary>
    internal static ChatResponse WithTiming(ChatResponse response, int attempts, TimeSpan elapsed)
    {
        response.AdditionalProperties ??= new();
        response.AdditionalProperties[AttemptsKey] = attempts;
        response.AdditionalProperties[SecondsKey] = elapsed;
        return response;
    }

    /// <summary>A local answer (exchange) is one attempt of no measured length: a person's reply time is not the call's.</summary>
    internal static (int Attempts, TimeSpan Elapsed) TimingOf(ChatResponse response) =>
        (response.AdditionalProperties?.TryGetValue(AttemptsKey, out var a) == true && a is int attempts ? attempts : 1,
         response.AdditionalProperties?.TryGetValue(SecondsKey, out var s) == true && s is TimeSpan elapsed ? elapsed : TimeSpan.Zero);

    private static bool Flag(ChatResponse response, string key) =>
        response.AdditionalProperties?.TryGetValue(key, out var value) == true && value is true;

    private static ChatRole RoleOf(string role) => role switch
    {
        LlmMessage.SystemRole => ChatRole.System,
        LlmMessage.UserRole => ChatRole.User,
        LlmMessage.AssistantRole => ChatRole.Assistant,
        _ => throw new ArgumentException($"unknown chat role '{role}'", nameof(role)),
    };
}
