using Alchemist.Data;
using Alchemist.Spec;
using Alchemist.Synthesis.Llm;
using Alchemist.Synthesis.Prompts;

namespace Alchemist.Synthesis.Costs;

/// <summary>
/// What asking the model to label every row once would cost: rows x (mean zero-shot prompt tokens x input price +
/// reply tokens x output price). The prompt is the task, its classes and the row; the reply is a class name.
/// Token counts are estimated from characters, the same way for every row.
/// </summary>
/// <param name="Model">The model priced.</param>
/// <param name="Rows">Rows read, over every split given.</param>
/// <param name="MeanPromptTokens">Mean estimated prompt tokens per row: the instructions and classes plus the row's text fields.</param>
/// <param name="ReplyTokens">Reply tokens per row (a class name).</param>
/// <param name="Price">The model's price per million tokens.</param>
public sealed record ZeroShotEstimate(string Model, long Rows, double MeanPromptTokens, int ReplyTokens, ModelPrice Price)
{
    internal const int DefaultReplyTokens = 5;

    /// <summary>The estimate in US dollars: every row priced as one call of the mean prompt tokens (rounded) and the reply tokens.</summary>
    public decimal CostUsd => Rows * Price.Cost((int)Math.Round(MeanPromptTokens), ReplyTokens);

    /// <summary>Streams the sources once; nothing but running sums is kept.</summary>
    public static ZeroShotEstimate Measure(SynthesisTask task, IEnumerable<IDataSource> sources, IReadOnlyList<string> textFields, string model, ModelPrice price)
    {
        var instructions = TokenEstimator.EstimatePrompt(ZeroShotMessages(task, ""));
        long rows = 0;
        long rowTokens = 0;
        foreach (var source in sources)
        {
            foreach (var batch in source.ReadBatches())
            {
                var columns = textFields.Select(batch.Text).ToArray();
                for (var i = 0; i < batch.Count; i++)
                {
                    rows++;
                    foreach (var column in columns)
                    {
                        rowTokens += TokenEstimator.Estimate(column[i] ?? "");
                    }
                }
            }
        }

        var mean = rows == 0 ? instructions : instructions + ((double)rowTokens / rows);
        return new ZeroShotEstimate(model, rows, mean, DefaultReplyTokens, price);
    }

    /// <summary>The prompt a zero-shot labeler would send for one row (used only to count its tokens).</summary>
    public static IReadOnlyList<LlmMessage> ZeroShotMessages(SynthesisTask task, string row) =>
    [
        LlmMessage.System($"You label data for this task: {task.Name}. Answer with the class name only."),
        LlmMessage.User(
            $"Task: {task.Description}\nClasses:\n" +
            string.Concat(task.Classes.Select(c => $"- {c.Name}{(string.IsNullOrWhiteSpace(c.Description) ? "" : ": " + c.Description)}\n")) +
            DataFence.Wrap("input", row)),
    ];
}
