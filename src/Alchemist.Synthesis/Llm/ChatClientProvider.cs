using Microsoft.Extensions.AI;

namespace Alchemist.Synthesis.Llm;

/// <summary>A network provider behind Microsoft.Extensions.AI's IChatClient (OpenAI, OpenAI-compatible servers, Anthropic).</summary>
public sealed class ChatClientProvider(string name, IChatClient client) : ILlmProvider, IDisposable
{
    public string Name { get; } = name;

    public bool IsRemote => true;

    public async Task<LlmReply> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        var messages = request.Messages.Select(m => new ChatMessage(RoleOf(m.Role), m.Content)).ToList();
        var options = new ChatOptions
        {
            ModelId = request.Model,
            Temperature = (float)request.Temperature,
            MaxOutputTokens = request.MaxTokens,
        };
        var response = await client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        var text = response.Text;
        var usage = response.Usage;
        var estimated = usage?.InputTokenCount is null || usage.OutputTokenCount is null;
        var input = usage?.InputTokenCount is { } i ? checked((int)i) : TokenEstimator.EstimatePrompt(request.Messages);
        var output = usage?.OutputTokenCount is { } o ? checked((int)o) : TokenEstimator.Estimate(text);
        return new LlmReply(text, input, output, estimated, response.ModelId, response.FinishReason?.Value);
    }

    public void Dispose() => client.Dispose();

    private static ChatRole RoleOf(string role) => role switch
    {
        LlmMessage.SystemRole => ChatRole.System,
        LlmMessage.UserRole => ChatRole.User,
        LlmMessage.AssistantRole => ChatRole.Assistant,
        _ => throw new ArgumentException($"unknown chat role '{role}'", nameof(role)),
    };
}
