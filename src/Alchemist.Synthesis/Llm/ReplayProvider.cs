namespace Alchemist.Synthesis.Llm;

/// <summary>Answers only from the cache (the gateway looks it up); a miss is an error naming the call.</summary>
public sealed class ReplayProvider : ILlmProvider
{
    public string Name => "replay";

    public bool IsRemote => false;

    public Task<LlmReply> CompleteAsync(LlmRequest request, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("replay answers from the cache only; the gateway handles it");
}
