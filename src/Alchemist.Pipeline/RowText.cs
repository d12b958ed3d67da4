using Alchemist.Data;
using Alchemist.Programs;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>The text the offline synthesizer, its rules and the end model read for each row of a split.</summary>
public static class RowText
{
    /// <summary>The text a row is labeled by: its text input, or its text inputs joined by new lines.</summary>
    public static string[] Of(TaskSpec spec, DataSplit split) => Of(spec, split.Rows);

    /// <inheritdoc cref="Of(TaskSpec, DataSplit)"/>
    public static string[] Of(TaskSpec spec, DataBatch rows)
    {
        var fields = spec.ProgramInputs.Where(i => i.Type == InputType.Text).Select(i => rows.Text(i.Name)).ToArray();
        if (fields.Length == 1)
        {
            return fields[0];
        }

        var texts = new string[rows.Count];
        for (var r = 0; r < texts.Length; r++)
        {
            texts[r] = ProgramSignature.JoinTextInputs([.. fields.Select(f => f[r])]);
        }

        return texts;
    }
}
