namespace Alchemist.Synthesis.Llm;

/// <summary>
/// Rough token counts for cost estimates before a call (dry runs, the spending cap) and for replies whose provider reports
/// no usage (exchange files). About four characters per token for English and code, plus a few tokens of framing per message.
/// The ledger uses the provider's own counts whenever they exist.
/// </summary>
public static class TokenEstimator
{
    private const int FramingTokensPerMessage = 4;

    /// <summary>Estimated tokens of a text: its characters divided by four, rounded up.</summary>
    public static int Estimate(string text) => (text.Length + 3) / 4;

    /// <summary>Estimated prompt tokens of a conversation: each message's text plus 4 tokens of framing per message, plus 3 for the whole.</summary>
    public static int EstimatePrompt(IReadOnlyList<LlmMessage> messages)
    {
        var total = 3;
        foreach (var message in messages)
        {
            total += FramingTokensPerMessage + Estimate(message.Content);
        }

        return total;
    }
}
