using System.Text;
using Microsoft.Extensions.AI;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// A person answers the prompts with any chat UI. Each pending prompt goes to exchange/&lt;name&gt;.prompt.md; the reply is pasted
/// into exchange/&lt;name&gt;.reply.md next to it, and the next run picks it up (and caches it like any other call).
/// File names start with the call's purpose so that a person can tell them apart; the content address follows.
/// </summary>
/// <param name="folder">The exchange folder prompts and replies go to (.alchemist/exchange in a project).</param>
public sealed class ExchangeChatClient(string folder) : LocalChatClient(LlmEndpoint.Exchange)
{
    internal string Folder { get; } = folder;

    /// <inheritdoc/>
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = LlmChat.RequestOf(options);
        var stem = StemOf(request);
        var replyPath = Path.Combine(Folder, stem + ".reply.md");
        var promptPath = Path.Combine(Folder, stem + ".prompt.md");
        if (File.Exists(replyPath))
        {
            var text = File.ReadAllText(replyPath);
            if (!string.IsNullOrWhiteSpace(text))
            {
                // A chat window reports no usage, so both counts are estimates.
                return Task.FromResult(LlmChat.ToResponse(new LlmReply(
                    text, TokenEstimator.EstimatePrompt(request.Messages), TokenEstimator.Estimate(text), TokensEstimated: true, ModelReported: null, FinishReason: null)));
            }
        }

        if (!File.Exists(promptPath))
        {
            AtomicFile.WriteAllText(promptPath, PromptFile(request, replyPath));
        }

        throw new ReplyPendingException(promptPath, replyPath, request.Purpose);
    }

    /// <summary>Purpose in file-name form plus the first 12 hex digits of the content address.</summary>
    public static string StemOf(LlmRequest request)
    {
        var name = new StringBuilder();
        foreach (var c in request.Purpose.ToLowerInvariant())
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        var readable = string.Join('-', name.ToString().Split('-', StringSplitOptions.RemoveEmptyEntries));
        return $"{readable}.{request.Key[..12]}";
    }

    private static string PromptFile(LlmRequest request, string replyPath) =>
        $"<!-- alchemist exchange: {request.Purpose}; model {request.Model}, temperature {request.Temperature}, up to {request.MaxTokens} tokens.\n" +
        $"     Send the messages below to a chat model (a new conversation; the system part first) and paste its whole reply into\n" +
        $"     {Path.GetFileName(replyPath)} next to this file. -->\n\n" +
        request.ToMarkdown();
}

/// <summary>The exchange client is waiting for a person to fill in a reply file.</summary>
/// <param name="promptPath">The prompt file written for the person.</param>
/// <param name="replyPath">The reply file the person is to fill in.</param>
/// <param name="purpose">The call's purpose, named in the message.</param>
public sealed class ReplyPendingException(string promptPath, string replyPath, string purpose)
    : SynthesisException($"{purpose}: waiting for a reply in {replyPath} (prompt in {promptPath})")
{
    /// <summary>The prompt file written for a person to send to a chat model.</summary>
    public string PromptPath { get; } = promptPath;

    /// <summary>The file to paste the model's whole reply into; the next run reads it.</summary>
    public string ReplyPath { get; } = replyPath;
}
