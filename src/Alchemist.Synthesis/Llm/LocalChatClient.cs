using Microsoft.Extensions.AI;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// A chat client that answers on this machine (from files a person wrote, from recordings, or not at all for a dry run):
/// whole replies only, nothing to stream, nothing to release.
/// </summary>
/// <param name="provider">The provider name its metadata gives (exchange, replay, ...).</param>
public abstract class LocalChatClient(string provider) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new(provider);

    /// <inheritdoc/>
    public abstract Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{_metadata.ProviderName} answers whole replies; nothing streams");

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc/>
    public void Dispose() => GC.SuppressFinalize(this);
}
