namespace Alchemist.Synthesis.Llm;

/// <summary>Answers one chat request. Network providers wrap an IChatClient; exchange and replay need no network.</summary>
public interface ILlmProvider
{
    /// <summary>Provider name as it enters the cache key (openai, anthropic, ollama, exchange...).</summary>
    string Name { get; }

    /// <summary>True when a call costs money and goes over the network: retries, concurrency and the spending cap apply.</summary>
    bool IsRemote { get; }

    Task<LlmReply> CompleteAsync(LlmRequest request, CancellationToken cancellationToken);
}
