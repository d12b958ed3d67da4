using Alchemist.Data;

namespace Alchemist.Programs.Loading;

/// <summary>
/// A batch's input columns in the order a <see cref="ProgramSignature"/> lists them (text fields, then numeric fields),
/// resolved once per batch so that labeling a row looks nothing up and allocates nothing on the host side.
/// </summary>
public sealed class ProgramColumns
{
    /// <summary>
    /// Columns of at least <paramref name="count"/> rows each; rows past <paramref name="count"/> are not read.
    /// </summary>
    /// <param name="texts">Text columns, in the signature's text-field order.</param>
    /// <param name="numbers">Numeric columns, in the signature's number-field order.</param>
    /// <param name="count">Number of rows.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is shorter than <paramref name="count"/>.</exception>
    public ProgramColumns(string[][] texts, double[][] numbers, int count)
    {
        foreach (var column in texts)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(column.Length, count, nameof(texts));
        }

        foreach (var column in numbers)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(column.Length, count, nameof(numbers));
        }

        Texts = texts;
        Numbers = numbers;
        Count = count;
    }

    /// <summary>Text columns, in the signature's text-field order.</summary>
    public string[][] Texts { get; }

    /// <summary>Numeric columns, in the signature's number-field order.</summary>
    public double[][] Numbers { get; }

    /// <summary>Number of rows.</summary>
    public int Count { get; }

    /// <summary>The columns of <paramref name="batch"/> a program with <paramref name="signature"/> reads; names a missing field.</summary>
    public static ProgramColumns From(DataBatch batch, ProgramSignature signature) =>
        new([.. signature.TextFields.Select(batch.Text)], [.. signature.NumberFields.Select(batch.Number)], batch.Count);

    /// <summary>A single text column (tests, benchmarks, single-text tasks).</summary>
    public static ProgramColumns FromTexts(string[] texts) => new([texts], [], texts.Length);
}
