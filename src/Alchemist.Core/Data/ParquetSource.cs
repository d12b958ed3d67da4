using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace Alchemist.Data;

/// <summary>
/// An Apache Parquet file, as large tables travel: read one row group at a time (never whole), its columns picked by name
/// through a <see cref="FieldMap"/> and cut into batches. Text fields are string columns; numbers any numeric column (read
/// as double, null as NaN); the label a string column (class names) or an integer column (class indices); the id any
/// column, as text. A file that is not Parquet, or lacks a field, is a <see cref="DataFormatException"/> naming the file
/// and the field.
/// </summary>
public sealed class ParquetSource : IDataSource, IFieldMapped
{
    /// <summary>A Parquet file read through <paramref name="fields"/>; nothing is read until <see cref="ReadBatches"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="fields"/> names no text or numeric field, or one twice.</exception>
    public ParquetSource(string path, FieldMap fields)
    {
        fields.Validate();
        Path = path;
        Fields = fields;
    }

    /// <inheritdoc/>
    public string Path { get; }

    /// <inheritdoc/>
    public string Format => "parquet";

    /// <summary>Which columns are read, and as what.</summary>
    public FieldMap Fields { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string>? ClassNames => Fields.ClassNames;

    /// <inheritdoc/>
    public string ContentHash() => Data.ContentHash.OfFile(Path, $"parquet;{Fields.Describe()}");

    /// <inheritdoc/>
    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (!File.Exists(Path))
        {
            throw new DataFormatException(Path, "file not found");
        }

        using var stream = File.OpenRead(Path);
        var reader = Open(stream);
        try
        {
            var columns = reader.Schema.GetDataFields().ToDictionary(f => f.Name, StringComparer.Ordinal);
            DataField Column(string name, string kind) => columns.TryGetValue(name, out var field) ? field
                : throw new DataFormatException(Path, $"no {kind} column of this name; the file's columns are {string.Join(", ", columns.Keys)}", field: name);
            var texts = Fields.TextFields.Select(f => Column(f, "text")).ToArray();
            var numbers = Fields.NumberFields.Select(f => Column(f, "number")).ToArray();
            var label = Fields.LabelField is { } l && columns.TryGetValue(l, out var labelField) ? labelField : null;
            var id = Fields.IdField is { } i ? Column(i, "id") : null;
            foreach (var field in texts.Where(f => !IsString(f)))
            {
                throw new DataFormatException(Path, $"a text input must be a string column; this one holds {field.ClrType.Name}", field: field.Name);
            }

            var builder = new DataBatchBuilder(Fields.TextFields, Fields.NumberFields, 0, 0, batchSize);
            long row = 0;
            for (var group = 0; group < reader.RowGroupCount; group++)
            {
                using var groupReader = reader.OpenRowGroupReader(group);
                var count = checked((int)groupReader.RowCount);
                var textData = texts.Select(f => ReadColumn(groupReader, f, count)).ToArray();
                var numberData = numbers.Select(f => ReadColumn(groupReader, f, count)).ToArray();
                var labelData = label is null ? null : ReadColumn(groupReader, label, count);
                var idData = id is null ? null : ReadColumn(groupReader, id, count);
                for (var r = 0; r < count; r++, row++)
                {
                    var at = builder.AddRow((idData is null ? null : Text(idData[r])) ?? row.ToString(CultureInfo.InvariantCulture));
                    for (var f = 0; f < textData.Length; f++)
                    {
                        builder.TextColumn(f)[at] = textData[f][r] as string ?? string.Empty;
                    }

                    for (var f = 0; f < numberData.Length; f++)
                    {
                        builder.NumberColumn(f)[at] = Number(numberData[f][r], numbers[f].Name, row);
                    }

                    if (labelData is not null)
                    {
                        builder.Labels[at] = Label(labelData[r], row);
                    }

                    if (builder.IsFull)
                    {
                        yield return builder.Flush()!;
                    }
                }
            }

            if (builder.Flush() is { } last)
            {
                yield return last;
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>One row group's values of one column, boxed (null where a nullable column has none).</summary>
    private object?[] ReadColumn(ParquetRowGroupReader group, DataField field, int count)
    {
        if (IsString(field))
        {
            var values = new string?[count];
            group.ReadAsync(field, values.AsMemory(), null, CancellationToken.None).GetAwaiter().GetResult();
            return values;
        }

        return field.ClrType switch
        {
            var t when t == typeof(double) => ReadValues<double>(group, field, count),
            var t when t == typeof(float) => ReadValues<float>(group, field, count),
            var t when t == typeof(long) => ReadValues<long>(group, field, count),
            var t when t == typeof(int) => ReadValues<int>(group, field, count),
            var t when t == typeof(short) => ReadValues<short>(group, field, count),
            var t when t == typeof(byte) => ReadValues<byte>(group, field, count),
            var t when t == typeof(sbyte) => ReadValues<sbyte>(group, field, count),
            var t when t == typeof(decimal) => ReadValues<decimal>(group, field, count),
            var t when t == typeof(bool) => ReadValues<bool>(group, field, count),
            var other => throw new DataFormatException(Path, $"a column of {other.Name} cannot be read here; use strings or numbers", field: field.Name),
        };
    }

    /// <summary>A string column: Parquet.Net types a file's UTF-8 byte-array columns as text (string or ReadOnlyMemory&lt;char&gt;).</summary>
    private static bool IsString(DataField field) => field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>);

    private static object?[] ReadValues<T>(ParquetRowGroupReader group, DataField field, int count)
        where T : struct
    {
        var boxed = new object?[count];
        if (field.IsNullable)
        {
            var values = new T?[count];
            group.ReadAsync(field, values.AsMemory(), null, CancellationToken.None).GetAwaiter().GetResult();
            for (var r = 0; r < count; r++)
            {
                boxed[r] = values[r];
            }
        }
        else
        {
            var values = new T[count];
            group.ReadAsync(field, values.AsMemory(), null, CancellationToken.None).GetAwaiter().GetResult();
            for (var r = 0; r < count; r++)
            {
                boxed[r] = values[r];
            }
        }

        return boxed;
    }

    private ParquetReader Open(Stream stream)
    {
        try
        {
            return ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new DataFormatException(Path, $"not a Parquet file that can be read: {e.Message}");
        }
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private double Number(object? value, string field, long row) => value switch
    {
        null => double.NaN,
        double d => d,
        float f => f,
        decimal m => (double)m,
        long or int or short or sbyte or byte or ushort or uint or ulong => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new DataFormatException(Path, $"row {row + 1}: '{value}' is not a number", field: field),
    };

    private int Label(object? value, long row)
    {
        var text = value switch
        {
            null => "",
            long or int or short or sbyte or byte => Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            _ => Text(value) ?? "",
        };
        return ClassLabels.TryParse(text, Fields.ClassNames, out var problem) is { } label
            ? label
            : throw new DataFormatException(Path, $"row {row + 1}: {problem}", field: Fields.LabelField);
    }
}
