using System.Globalization;
using System.Text.Json;

namespace Alchemist.Data;

/// <summary>Reads class names (WRENCH label.json) and turns label values (an index or a class name) into class indices.</summary>
public static class ClassLabels
{
    /// <summary>Reads a WRENCH label.json: an object from class index ("0", "1", ...) to class name, indices 0..k-1 with none missing.</summary>
    public static IReadOnlyList<string> ReadLabelJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "file not found (a WRENCH folder needs label.json mapping class index to name)");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, DataFormatException.NotValidJson(e, positionIsInLine: true), line: e.LineNumber + 1, inner: e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DataFormatException(path, $"expected an object from class index to class name, found {document.RootElement.ValueKind}");
            }

            var byIndex = new SortedDictionary<int, string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!int.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw new DataFormatException(path, $"key '{property.Name}' is not a class index (0, 1, ...)", field: property.Name);
                }

                if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(property.Value.GetString()))
                {
                    throw new DataFormatException(path, "class name must be a non-empty string", field: property.Name);
                }

                byIndex[index] = property.Value.GetString()!;
            }

            if (byIndex.Count < 2)
            {
                throw new DataFormatException(path, $"needs at least two classes, found {byIndex.Count}");
            }

            var expected = 0;
            foreach (var index in byIndex.Keys)
            {
                if (index != expected)
                {
                    throw new DataFormatException(path, $"class indices must run 0..{byIndex.Count - 1} without gaps; {expected} is missing", field: expected.ToString(CultureInfo.InvariantCulture));
                }

                expected++;
            }

            return byIndex.Values.ToArray();
        }
    }

    /// <summary>
    /// Parses a label: empty means no label; an integer must be -1 (no label) or a class index; anything else must be a class
    /// name (exact, then ignoring case). Returns null with <paramref name="problem"/> set when the value is not a label.
    /// </summary>
    public static int? TryParse(ReadOnlySpan<char> value, IReadOnlyList<string>? classNames, out string? problem)
    {
        problem = null;
        value = value.Trim();
        if (value.IsEmpty)
        {
            return DataBatch.NoLabel;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
        {
            return CheckIndex(index, classNames, out problem);
        }

        if (classNames is not null)
        {
            for (var k = 0; k < classNames.Count; k++)
            {
                if (value.Equals(classNames[k], StringComparison.Ordinal))
                {
                    return k;
                }
            }

            for (var k = 0; k < classNames.Count; k++)
            {
                if (value.Equals(classNames[k], StringComparison.OrdinalIgnoreCase))
                {
                    return k;
                }
            }

            problem = $"'{value}' is not a class; classes are {string.Join(", ", classNames)}";
            return null;
        }

        problem = $"'{value}' is not a class index, and no class names were given to match it against";
        return null;
    }

    internal static int? CheckIndex(long index, IReadOnlyList<string>? classNames, out string? problem)
    {
        problem = null;
        if (index == DataBatch.NoLabel)
        {
            return DataBatch.NoLabel;
        }

        if (index < 0 || index > sbyte.MaxValue || (classNames is not null && index >= classNames.Count))
        {
            problem = classNames is null
                ? $"label {index} is not a class index (0..{sbyte.MaxValue}, or -1 for none)"
                : $"label {index} is outside the {classNames.Count} classes (0..{classNames.Count - 1}, or -1 for none)";
            return null;
        }

        return (int)index;
    }
}
