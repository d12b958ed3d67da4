using System.Text;
using Alchemist.Spec;
using Alchemist.Synthesis.Llm;

namespace Alchemist.Synthesis.Prompts;

/// <summary>
/// The prompts of the three synthesis modes, in the shape that produced the recorded replies: one-stage (task, classes,
/// exact signature), two-stage (prior knowledge of one kind first, then the program with it pasted in), and two-stage with
/// passages retrieved from the user's documents, fenced as data. Real rows appear only when the caller passes some.
/// </summary>
/// <param name="task">The task the prompts describe.</param>
public sealed class PromptBuilder(SynthesisTask task)
{
    private const string AllowedApis =
        "may use System.Text.RegularExpressions, System.Linq and System.Collections.Generic, and must not read files, use the network or keep state between calls";

    internal SynthesisTask Task { get; } = task;

    // The task is named by its description, never by the spec's name: `init` names a project after its folder, and a
    // folder name such as "tmp.x81Qa" said nothing to the model.
    internal string ProgramSystemMessage =>
        $"You write labeling functions in C# for this task: {TaskInOneLine}. Be creative and original, and make each function consider the input as a whole.";

    internal string KnowledgeSystemMessage =>
        $"You are an expert on the data of this task ({TaskInOneLine}) and help people label it.";

    private string TaskInOneLine => string.Join(' ', Task.Description.Split((char[])['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');

    /// <summary>One-stage: the program prompt alone (optionally with real rows, fenced as data).</summary>
    public IReadOnlyList<LlmMessage> OneStage(IReadOnlyList<string>? sampleRows = null) =>
        [LlmMessage.System(ProgramSystemMessage), LlmMessage.User(ProgramRequest(knowledge: null, sampleRows))];

    /// <summary>First stage: ask for prior knowledge of one kind, optionally grounded in retrieved passages.</summary>
    public IReadOnlyList<LlmMessage> Knowledge(PriorKnowledgeKind kind, IReadOnlyList<string>? passages = null, IReadOnlyList<string>? sampleRows = null)
    {
        var text = new StringBuilder();
        if (passages is { Count: > 0 } || sampleRows is { Count: > 0 })
        {
            text.Append(DataFence.Note).Append("\n\n");
        }

        if (passages is { Count: > 0 })
        {
            text.Append("Passages from the user's own documents about this task:\n");
            for (var i = 0; i < passages.Count; i++)
            {
                text.Append(DataFence.Wrap($"passage {i + 1}", passages[i]));
            }

            text.Append('\n');
        }

        AppendRows(text, sampleRows);
        var ask = kind switch
        {
            PriorKnowledgeKind.Heuristics => "Give labeling heuristics, rules and guidance",
            PriorKnowledgeKind.Keywords => "Give keywords and phrases typical of each class",
            PriorKnowledgeKind.Descriptions => "Give a description of the data and of each class",
            PriorKnowledgeKind.Examples => "Give 5 made-up example inputs for each class",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        text.Append(ask).Append(" that help with this labeling task.\n");
        AppendTask(text);
        text.Append("The classes are: ").Append(string.Join(", ", Task.Classes.Select(c => c.Name))).Append('.');
        if (passages is { Count: > 0 })
        {
            text.Append("\nBase your answer on the passages where they say something relevant.");
        }

        return [LlmMessage.System(KnowledgeSystemMessage), LlmMessage.User(text.ToString())];
    }

    /// <summary>Second stage: the program prompt with the first stage's reply pasted in.</summary>
    public IReadOnlyList<LlmMessage> ProgramWithKnowledge(string knowledge, IReadOnlyList<string>? sampleRows = null) =>
        [LlmMessage.System(ProgramSystemMessage), LlmMessage.User(ProgramRequest(knowledge, sampleRows))];

    /// <summary>A repair round: the conversation so far, the reply, and what went wrong with it.</summary>
    public IReadOnlyList<LlmMessage> Repair(IReadOnlyList<LlmMessage> conversation, string reply, string problems) =>
    [
        .. conversation,
        LlmMessage.Assistant(reply),
        LlmMessage.User(
            problems.TrimEnd() + "\n\n" +
            "Reply with the whole corrected function in one ```csharp block. It must be a single static method (helper methods are fine) " +
            "with exactly this signature:\n" + Task.LabelSignature),
    ];

    /// <summary>
    /// A follow-up for one class the programs so far label badly: what fell short, examples of the class (fenced as data;
    /// only where rows may go into prompts), then the usual program request, asking for a function that recognizes that
    /// class precisely and abstains elsewhere.
    /// </summary>
    public IReadOnlyList<LlmMessage> ClassFollowUp(int cls, string shortfall, IReadOnlyList<string> examples)
    {
        var name = Task.Classes[cls].Name;
        var text = new StringBuilder();
        text.Append("The labeling functions written so far for this task do not label ").Append(name).Append(" well: ")
            .Append(shortfall.TrimEnd('.')).Append(".\n");
        if (examples.Count > 0)
        {
            text.Append(DataFence.Note).Append('\n').Append("Real inputs the user labeled ").Append(name).Append(", one per block:\n");
            for (var i = 0; i < examples.Count; i++)
            {
                text.Append(DataFence.Wrap($"{name} example {i + 1}", examples[i]));
            }

            text.Append('\n');
        }

        text.Append("Write a function that recognizes ").Append(name).Append(" precisely: return ").Append(cls)
            .Append(" where the input clearly is ").Append(name).Append(", and -1 everywhere else. Look for what sets ")
            .Append(name).Append(" apart from the other classes.\n\n");
        text.Append(ProgramRequest(knowledge: null, sampleRows: null));
        return [LlmMessage.System(ProgramSystemMessage), LlmMessage.User(text.ToString())];
    }

    /// <summary>
    /// Asks for a corrected version of a program a person wants fixed: its code, how often it is wrong on valid, and the
    /// valid rows it gets wrong with their gold class (fenced as data; only where rows may go into prompts).
    /// </summary>
    public IReadOnlyList<LlmMessage> ProgramFix(string source, string shortfall, IReadOnlyList<(string Text, string Vote, string Gold)> wrongRows)
    {
        var text = new StringBuilder();
        text.Append("This labeling function for the task needs fixing: ").Append(shortfall.TrimEnd('.')).Append(".\n\n```csharp\n")
            .Append(source.TrimEnd()).Append("\n```\n\n");
        if (wrongRows.Count > 0)
        {
            text.Append(DataFence.Note).Append('\n').Append("Inputs it labels wrongly, with its vote and the class the user gave, one per block:\n");
            for (var i = 0; i < wrongRows.Count; i++)
            {
                text.Append(DataFence.Wrap($"wrong {i + 1}: it voted {wrongRows[i].Vote}, the user says {wrongRows[i].Gold}", wrongRows[i].Text));
            }

            text.Append('\n');
        }

        text.Append("Write a corrected function that keeps what it gets right and abstains (returns -1) or votes correctly where it went wrong.\n\n");
        text.Append(ProgramRequest(knowledge: null, sampleRows: null));
        return [LlmMessage.System(ProgramSystemMessage), LlmMessage.User(text.ToString())];
    }

    /// <summary>
    /// Asks for a program to be rewritten for the classes a class it voted was split into: its code, the old class and each
    /// new class with its index and description, so that it votes the parts where it can tell them apart.
    /// </summary>
    public IReadOnlyList<LlmMessage> ProgramRevision(string source, string splitClass, IReadOnlyList<(int Index, string Name, string? Description)> parts)
    {
        var text = new StringBuilder();
        text.Append("This labeling function was written when ").Append(splitClass).Append(" was one class. It has been split into ")
            .Append(string.Join(", ", parts.Select(p => $"{p.Name} (return {p.Index})"))).Append(". Until it is revised, its ")
            .Append(splitClass).Append(" votes abstain.\n\n```csharp\n").Append(source.TrimEnd()).Append("\n```\n\n");
        foreach (var part in parts.Where(p => p.Description is not null))
        {
            text.Append("- ").Append(part.Name).Append(": ").Append(part.Description).Append('\n');
        }

        text.Append("\nRewrite it as one function for the classes as they are now: keep its votes for the other classes, vote each part of ")
            .Append(splitClass).Append(" where the input clearly belongs to it, and return -1 where it cannot tell.\n\n");
        text.Append(ProgramRequest(knowledge: null, sampleRows: null));
        return [LlmMessage.System(ProgramSystemMessage), LlmMessage.User(text.ToString())];
    }

    private string ProgramRequest(string? knowledge, IReadOnlyList<string>? sampleRows)
    {
        var text = new StringBuilder();
        if (knowledge is not null || sampleRows is { Count: > 0 })
        {
            text.Append(DataFence.Note).Append('\n');
        }

        // The first stage's reply is data too: it may repeat text from the user's documents or rows, and an instruction
        // planted there must not speak with this prompt's voice.
        if (knowledge is not null)
        {
            text.Append("Notes on this task that an assistant wrote for you; use what helps when writing the labeling function:\n")
                .Append(DataFence.Wrap("notes", knowledge.Trim())).Append('\n');
        }

        AppendRows(text, sampleRows);

        text.Append("Write a bug-free C# labeling function for this task.\n");
        AppendTask(text);
        text.Append("Classes:\n");
        for (var i = 0; i < Task.Classes.Count; i++)
        {
            var c = Task.Classes[i];
            text.Append("- return ").Append(i).Append(" for ").Append(c.Name);
            if (!string.IsNullOrWhiteSpace(c.Description))
            {
                text.Append(": ").Append(c.Description.Trim());
            }

            text.Append('\n');
        }

        text.Append("- return -1 (abstain) when the input gives no reliable signal.\n");
        text.Append("Write precise rules: abstaining is better than guessing. ");
        if (Task.RowRecordSource is { } record)
        {
            text.Append("The input is a record that is already defined (do not declare it again):\n")
                .Append("```csharp\n").Append(record).Append("\n```\n");
        }

        text.Append("The function must be a single static method with exactly this signature, ").Append(AllowedApis).Append(":\n")
            .Append(Task.LabelSignature);
        return text.ToString();
    }

    private void AppendTask(StringBuilder text)
    {
        text.Append("Task: ").Append(Task.Description.Trim()).Append('\n');
        if (Task.Fields.Count == 1)
        {
            var field = Task.Fields[0];
            text.Append("Each input is one ").Append(field.Type == InputType.Text ? "text" : "number")
                .Append(" named ").Append(field.Name);
            text.Append(string.IsNullOrWhiteSpace(field.Description) ? ".\n" : $": {field.Description.Trim()}\n");
        }
        else
        {
            text.Append("Each input has these fields:\n");
            foreach (var field in Task.Fields)
            {
                text.Append("- ").Append(field.Name).Append(" (").Append(field.Type == InputType.Text ? "text" : "number").Append(')');
                text.Append(string.IsNullOrWhiteSpace(field.Description) ? "\n" : $": {field.Description.Trim()}\n");
            }
        }
    }

    private static void AppendRows(StringBuilder text, IReadOnlyList<string>? sampleRows)
    {
        if (sampleRows is not { Count: > 0 })
        {
            return;
        }

        text.Append("Some real, unlabeled inputs from the data set, one per block:\n");
        for (var i = 0; i < sampleRows.Count; i++)
        {
            text.Append(DataFence.Wrap($"row {i + 1}", sampleRows[i]));
        }

        text.Append('\n');
    }
}
