using Alchemist.Spec;

namespace Alchemist.Synthesis.Prompts;

/// <summary>A class as prompts describe it: its index is its position in <see cref="SynthesisTask.Classes"/>.</summary>
public sealed record TaskClass(string Name, string? Description);


/// <summary>
/// What prompts say about the task: its description, inputs and classes, and the exact signature the runtime compiles
/// (with the record the runtime generates for multi-field tasks).
/// </summary>
public sealed record SynthesisTask(
    string Name,
    string Description,
    IReadOnlyList<InputField> Fields,
    IReadOnlyList<TaskClass> Classes,
    string LabelSignature,
    string? RowRecordSource);

