using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Alchemist.Synthesis.Llm;

/// <summary>One chat message; <see cref="Role"/> is system, user or assistant.</summary>
/// <param name="Role">Who speaks: system, user or assistant.</param>
/// <param name="Content">The message's text.</param>
public sealed record LlmMessage(string Role, string Content)
{
    internal const string SystemRole = "system";
    internal const string UserRole = "user";
    internal const string AssistantRole = "assistant";

    /// <summary>A system message: the instructions that frame the conversation.</summary>
    public static LlmMessage System(string content) => new(SystemRole, content);

    /// <summary>A user message: what the model is asked.</summary>
    public static LlmMessage User(string content) => new(UserRole, content);

    internal static LlmMessage Assistant(string content) => new(AssistantRole, content);
}

/// <summary>
/// One chat completion to obtain. Everything that changes the reply is part of <see cref="Key"/>: provider, model, messages,
/// sampling settings and the sample index (so that ten samples of one prompt are ten different cache entries).
/// <see cref="Purpose"/> only labels the call in the ledger and in exchange files.
/// </summary>
/// <param name="Provider">The provider's name, part of the key (openai, anthropic, exchange...).</param>
/// <param name="Model">The model id to ask.</param>
/// <param name="Messages">The conversation, system message first.</param>
/// <param name="Temperature">The sampling temperature.</param>
/// <param name="MaxTokens">The reply's token allowance.</param>
/// <param name="Sample">The sample index: the same prompt with another index is another call, with its own cache entry.</param>
/// <param name="Purpose">What the call is for, named in the ledger and in exchange file names; not part of the key.</param>
public sealed record LlmRequest(
    string Provider,
    string Model,
    IReadOnlyList<LlmMessage> Messages,
    double Temperature,
    int MaxTokens,
    int Sample,
    string Purpose)
{
    /// <summary>Content address of the call: SHA-256 over provider, model, messages, sampling settings and sample index.</summary>
    public string Key => Hash(includeProvider: true);

    /// <summary>The same address without the provider, so that <c>replay</c> can answer from any provider's recording.</summary>
    public string ContentKey => Hash(includeProvider: false);

    private string Hash(bool includeProvider)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (includeProvider)
            {
                json.WriteString("provider", Provider);
            }

            json.WriteString("model", Model);
            json.WriteString("temperature", Temperature.ToString("R", CultureInfo.InvariantCulture));
            json.WriteNumber("max_tokens", MaxTokens);
            json.WriteNumber("sample", Sample);
            json.WriteStartArray("messages");
            foreach (var message in Messages)
            {
                json.WriteStartObject();
                json.WriteString("role", message.Role);
                json.WriteString("content", message.Content);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>The messages as readable markdown, for exchange prompt files and dry runs.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        foreach (var message in Messages)
        {
            text.Append("## ").Append(message.Role).Append("\n\n").Append(message.Content.TrimEnd()).Append("\n\n");
        }

        return text.ToString();
    }
}

/// <summary>What a provider answered. Token counts come from the provider's usage report when it gives one.</summary>
/// <param name="Text">The reply's text.</param>
/// <param name="InputTokens">Prompt tokens: the provider's count, or an estimate when <paramref name="TokensEstimated"/>.</param>
/// <param name="OutputTokens">Reply tokens: the provider's count, or an estimate when <paramref name="TokensEstimated"/>.</param>
/// <param name="TokensEstimated">True when the token counts are estimates from characters (<see cref="TokenEstimator"/>).</param>
/// <param name="ModelReported">The model id the provider says answered; null when it reports none.</param>
/// <param name="FinishReason">Why the provider stopped (such as stop or length); null when it gave no reason.</param>
public sealed record LlmReply(
    string Text,
    int InputTokens,
    int OutputTokens,
    bool TokensEstimated,
    string? ModelReported,
    string? FinishReason);
