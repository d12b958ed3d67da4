using Alchemist.Spec;

namespace Alchemist.Synthesis.Prompts;

/// <summary>A class as prompts describe it: its index is its position in <see cref="SynthesisTask.Classes"/>.</summary>
/// <param name="Name">The class's name as the spec gives it.</param>
/// <param name="Description">What the class means, in the user's words; null or blank when the spec says nothing.</param>
public sealed record TaskClass(string Name, string? Description);


/// <summary>
/// What prompts say about the task: its description, inputs and classes, and the exact signature the runtime compiles
/// (with the record the runtime generates for multi-field tasks).
/// </summary>
/// <param name="Name">The spec's name (program prompts name the task by its description instead).</param>
/// <param name="Description">What the task is, in the user's words.</param>
/// <param name="Fields">The inputs, with their types and descriptions.</param>
/// <param name="Classes">The classes in class order: a program returns a class's index.</param>
/// <param name="LabelSignature">The exact signature of the Label method a program must declare.</param>
/// <param name="RowRecordSource">The record the runtime generates for the input of a task that is not a single text, shown to the model; null for a single text.</param>
public sealed record SynthesisTask(
    string Name,
    string Description,
    IReadOnlyList<InputField> Fields,
    IReadOnlyList<TaskClass> Classes,
    string LabelSignature,
    string? RowRecordSource);

