using System.Text;
using Alchemist.Spec;

namespace Alchemist.Programs;

/// <summary>
/// What a task's programs look like from the outside: their inputs and the classes they vote for.
/// A task with a single text field gets <c>public static int Label(string field)</c>; any other task gets a record
/// generated from the fields (<see cref="RowRecordSource"/>) and <c>public static int Label(Row row)</c>.
/// </summary>
public sealed class ProgramSignature
{
    internal const string RowTypeName = "Row";

    /// <summary>
    /// The signature of programs that read <paramref name="fields"/> and vote for one of <paramref name="classNames"/>.
    /// </summary>
    /// <param name="fields">The task's inputs, in the spec's order.</param>
    /// <param name="classNames">The classes in index order, 2 to 127.</param>
    /// <exception cref="ArgumentException">
    /// No field; fewer than 2 or more than 127 classes; a field name that is not a C# identifier, appears twice, or would be
    /// read as the same member of the row as another or as the row record itself.
    /// </exception>
    public ProgramSignature(IReadOnlyList<InputField> fields, IReadOnlyList<string> classNames)
    {
        if (fields.Count == 0)
        {
            throw new ArgumentException("a labeling program needs at least one input field", nameof(fields));
        }

        if (classNames.Count is < 2 or > sbyte.MaxValue)
        {
            throw new ArgumentException($"a labeling task needs 2..127 classes, got {classNames.Count}", nameof(classNames));
        }

        foreach (var field in fields)
        {
            if (!SyntaxFacts.IsValidIdentifier(field.Name))
            {
                throw new ArgumentException($"field name '{field.Name}' is not a C# identifier; rename it in the task spec", nameof(fields));
            }
        }

        var duplicate = fields.GroupBy(f => f.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"field '{duplicate.Key}' appears twice", nameof(fields));
        }

        // Programs of several inputs read them as members of a generated record: two fields must not become one member, and
        // none may take the record's own name.
        if (!(fields.Count == 1 && fields[0].Type == InputType.Text))
        {
            foreach (var field in fields)
            {
                if (PropertyName(field.Name) == RowTypeName)
                {
                    throw new ArgumentException($"field '{field.Name}' would be read as row.{RowTypeName}, the name of the row record itself; rename it in the task spec", nameof(fields));
                }
            }

            var clash = fields.GroupBy(f => PropertyName(f.Name), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (clash is not null)
            {
                throw new ArgumentException($"fields {string.Join(" and ", clash.Select(f => $"'{f.Name}'"))} would both be read as row.{clash.Key}; rename one in the task spec", nameof(fields));
            }
        }

        Fields = fields.ToArray();
        ClassNames = classNames.ToArray();
        TextFields = Fields.Where(f => f.Type == InputType.Text).Select(f => f.Name).ToArray();
        NumberFields = Fields.Where(f => f.Type == InputType.Number).Select(f => f.Name).ToArray();
    }

    /// <summary>The common case: one text field (e.g. "text", "comment", "sentence").</summary>
    public static ProgramSignature SingleText(string field, IReadOnlyList<string> classNames) =>
        new([new InputField(field, InputType.Text)], classNames);

    /// <summary>The task's input fields, in the spec's order.</summary>
    public IReadOnlyList<InputField> Fields { get; }

    /// <summary>The class names in index order: a vote k means <c>ClassNames[k]</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Text field names in the order the columns are passed to <see cref="Loading.ProgramColumns"/>.</summary>
    public IReadOnlyList<string> TextFields { get; }

    /// <summary>Numeric field names in the order the columns are passed to <see cref="Loading.ProgramColumns"/>.</summary>
    public IReadOnlyList<string> NumberFields { get; }

    /// <summary>Number of classes.</summary>
    public int Classes => ClassNames.Count;

    /// <summary>True when programs take one string (<c>Label(string text)</c>) rather than a generated record.</summary>
    public bool IsSingleText => Fields.Count == 1 && Fields[0].Type == InputType.Text;

    /// <summary>The signature the LLM is asked to write, e.g. <c>public static int Label(string text)</c>.</summary>
    public string LabelMethodSignature =>
        IsSingleText ? $"public static int Label(string {Fields[0].Name})" : $"public static int Label({RowTypeName} row)";

    /// <summary>
    /// The record declaration compiled with every program of a multi-field task (null for single-text tasks); also what a
    /// prompt shows the LLM.
    /// </summary>
    public string? RowRecordSource
    {
        get
        {
            if (IsSingleText)
            {
                return null;
            }

            var builder = new StringBuilder();
            builder.Append("public sealed record ").Append(RowTypeName).Append('(');
            for (var i = 0; i < Fields.Count; i++)
            {
                if (i > 0)
                {
                    builder.Append(", ");
                }

                builder.Append(CSharpType(Fields[i])).Append(' ').Append(PropertyName(Fields[i].Name));
            }

            return builder.Append(");").ToString();
        }
    }

    /// <summary>What joins a row's text inputs into the one text that rules written from a sample read.</summary>
    public const string TextInputSeparator = "\n";

    /// <summary>
    /// A C# expression over <c>row</c> giving its text inputs joined by <see cref="TextInputSeparator"/>, and the empty string
    /// when every one is empty, for programs that read one text from a row record; null for the single-text shape (the text
    /// is the parameter) or when there is no text input.
    /// </summary>
    public string? JoinedTextFromRow
    {
        get
        {
            if (IsSingleText || TextFields.Count == 0)
            {
                return null;
            }

            var members = TextFields.Select(f => $"row.{PropertyName(f)}").ToArray();
            return members.Length == 1
                ? members[0]
                : $"{string.Join(" && ", members.Select(m => $"string.IsNullOrEmpty({m})"))} ? \"\" : {string.Join($" + {Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(TextInputSeparator, quote: true)} + ", members)}";
        }
    }

    /// <summary>One row's text inputs joined as <see cref="JoinedTextFromRow"/> joins them in a program.</summary>
    public static string JoinTextInputs(IReadOnlyList<string?> texts) =>
        texts.All(string.IsNullOrEmpty) ? "" : string.Join(TextInputSeparator, texts);

    /// <summary>A text describing classes for messages: "0 (HAM), 1 (SPAM)".</summary>
    public string DescribeClasses() => string.Join(", ", ClassNames.Select((name, i) => $"{i} ({name})"));

    /// <summary>A stable description, part of every compiled program's cache key.</summary>
    public string Fingerprint() =>
        string.Join(';', Fields.Select(f => $"{f.Type}:{f.Name}")) + "|" + string.Join(';', ClassNames);

    /// <summary>Record property names are the field names with the first letter upper-cased (<see cref="InputField.PropertyName"/>).</summary>
    public static string PropertyName(string field) => InputField.PropertyName(field);

    private static class SyntaxFacts
    {
        public static bool IsValidIdentifier(string name) =>
            Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsValidIdentifier(name)
            && Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) == Microsoft.CodeAnalysis.CSharp.SyntaxKind.None;
    }

    /// <summary>The C# type a program reads a field as: string for text, double for a number.</summary>
    public static string CSharpType(InputField field) => field.Type == InputType.Text ? "string" : "double";
}
