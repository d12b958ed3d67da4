namespace Alchemist.Labeling;

/// <summary>
/// Votes of m labeling programs over n rows: one signed byte per vote, <see cref="Abstain"/> (-1) or a class index.
/// Stored column by column (one contiguous array per program) so that a program's column can be computed, cached and
/// replaced on its own, and so that 10 million rows x 100 programs costs about 1 GB with no per-row objects.
/// </summary>
public sealed class LabelMatrix
{
    /// <summary>The vote of a program that abstains on a row.</summary>
    public const sbyte Abstain = -1;

    private readonly sbyte[][] _columns;

    /// <summary>
    /// A matrix of <paramref name="rows"/> rows in which every program abstains everywhere, one column per name.
    /// </summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="classes">Number of classes, 2 to 127 (a vote is a signed byte).</param>
    /// <param name="programNames">One name per program, in column order.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="rows"/> is negative, or <paramref name="classes"/> outside 2..127.
    /// </exception>
    public LabelMatrix(int rows, int classes, IReadOnlyList<string> programNames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (classes is < 2 or > sbyte.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "a label matrix needs between 2 and 127 classes");
        }

        Rows = rows;
        Classes = classes;
        ProgramNames = programNames.ToArray();
        _columns = new sbyte[ProgramNames.Count][];
        for (var j = 0; j < _columns.Length; j++)
        {
            _columns[j] = new sbyte[rows];
            Array.Fill(_columns[j], Abstain);
        }
    }

    private LabelMatrix(int rows, int classes, IReadOnlyList<string> programNames, sbyte[][] columns)
    {
        Rows = rows;
        Classes = classes;
        ProgramNames = programNames;
        _columns = columns;
    }

    /// <summary>Wraps existing columns without copying; each must hold <paramref name="rows"/> votes in [-1, classes).</summary>
    public static LabelMatrix FromColumns(int rows, int classes, IReadOnlyList<string> programNames, sbyte[][] columns)
    {
        if (programNames.Count != columns.Length)
        {
            throw new ArgumentException($"{programNames.Count} program names for {columns.Length} columns", nameof(programNames));
        }

        for (var j = 0; j < columns.Length; j++)
        {
            if (columns[j].Length != rows)
            {
                throw new ArgumentException($"column {j} ('{programNames[j]}') has {columns[j].Length} rows, expected {rows}", nameof(columns));
            }
        }

        return new LabelMatrix(rows, classes, programNames.ToArray(), columns);
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of classes; every vote is <see cref="Abstain"/> or in [0, Classes).</summary>
    public int Classes { get; }

    /// <summary>Number of programs (columns).</summary>
    public int Programs => _columns.Length;

    /// <summary>Each column's program name, in column order.</summary>
    public IReadOnlyList<string> ProgramNames { get; }

    /// <summary>
    /// The vote of <paramref name="program"/> on <paramref name="row"/>: a class index or <see cref="Abstain"/>.
    /// </summary>
    public sbyte this[int row, int program]
    {
        get => _columns[program][row];
        set => _columns[program][row] = value;
    }

    /// <summary>The votes of <paramref name="program"/> on every row, without a copy.</summary>
    public ReadOnlySpan<sbyte> Column(int program) => _columns[program];

    /// <summary>The writable column; the apply engine writes program outputs here directly.</summary>
    public Span<sbyte> ColumnForWriting(int program) => _columns[program];

    /// <summary>The backing array of one column, for code that needs an array (parallel loops, caches). Not a copy.</summary>
    public sbyte[] ColumnArray(int program) => _columns[program];

    /// <summary>For each row, whether at least one program voted on it.</summary>
    public bool[] CoveredRows()
    {
        var covered = new bool[Rows];
        foreach (var column in _columns)
        {
            for (var r = 0; r < column.Length; r++)
            {
                covered[r] |= column[r] != Abstain;
            }
        }

        return covered;
    }

    /// <summary>A matrix over the same rows with only the given programs, sharing their column arrays.</summary>
    public LabelMatrix SelectPrograms(IReadOnlyList<int> programs) =>
        new(Rows, Classes, programs.Select(j => ProgramNames[j]).ToArray(), programs.Select(j => _columns[j]).ToArray());

    /// <summary>A matrix of every program over rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1 (copied).</summary>
    public LabelMatrix SliceRows(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Rows - start);
        var columns = new sbyte[_columns.Length][];
        for (var j = 0; j < columns.Length; j++)
        {
            columns[j] = _columns[j].AsSpan(start, count).ToArray();
        }

        return new LabelMatrix(count, Classes, ProgramNames, columns);
    }

    /// <summary>A matrix of every program over the given rows, in that order (copied).</summary>
    public LabelMatrix SelectRows(IReadOnlyList<int> rows)
    {
        var columns = new sbyte[_columns.Length][];
        for (var j = 0; j < columns.Length; j++)
        {
            var source = _columns[j];
            var column = columns[j] = new sbyte[rows.Count];
            for (var k = 0; k < column.Length; k++)
            {
                column[k] = source[rows[k]];
            }
        }

        return new LabelMatrix(rows.Count, Classes, ProgramNames, columns);
    }
}
