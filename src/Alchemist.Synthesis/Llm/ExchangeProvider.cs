using System.Text;

namespace Alchemist.Synthesis.Llm;

/// <summary>
/// A person answers the prompts with any chat UI. Each pending prompt goes to exchange/&lt;name&gt;.prompt.md; the reply is pasted
/// into exchange/&lt;name&gt;.reply.md next to it, and the next run picks it up (and caches it like any other call).
/// File names start with the call's purpose so that a person can tell them apart; the content address follows.
/// </summary>
public sealed class ExchangeProvider(string folder) : ILlmProvider
{
    public string Name => "exchange";

    public bool IsRemote => false;

    public string Folder { get; } = folder;

    public Task<LlmReply> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
    {
        var stem = StemOf(request);
        var replyPath = Path.Combine(Folder, stem + ".reply.md");
        var promptPath = Path.Combine(Folder, stem + ".prompt.md");
        if (File.Exists(replyPath))
        {
            var text = File.ReadAllText(replyPath);
            if (!string.IsNullOrWhiteSpace(text))
            {
                return Task.FromResult(new LlmReply(
                    text, TokenEstimator.EstimatePrompt(request.Messages), TokenEstimator.Estimate(text), TokensEstimated: true, ModelReported: null, FinishReason: null));
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

/// <summary>The exchange provider is waiting for a person to fill in a reply file.</summary>
public sealed class ReplyPendingException(string promptPath, string replyPath, string purpose)
    : SynthesisException($"{purpose}: waiting for a reply in {replyPath} (prompt in {promptPath})")
{
    public string PromptPath { get; } = promptPath;

    public string ReplyPath { get; } = replyPath;
}
