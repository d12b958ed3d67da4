using Microsoft.Extensions.AI;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// Answers only from recordings: any provider's finished call with the same model, messages, settings and sample (the
/// content key), so that a run recorded with one provider replays under another with no network and no cost. A call
/// with no recording is an error naming it.
/// </summary>
/// <param name="recordings">The cache whose entries, from any provider, answer the calls.</param>
public sealed class ReplayChatClient(ResponseCache recordings) : LocalChatClient(LlmEndpoint.Replay)
{
    /// <inheritdoc/>
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = LlmChat.RequestOf(options);
        return recordings.TryGetAnyProvider(request, out var recorded)
            ? Task.FromResult(LlmChat.FromRecord(recorded))
            : throw new CacheMissException(request, recordings.Folder);
    }
}
