using Alchemist.Labeling;

namespace Alchemist.Data;

/// <summary>
/// Fills the columns of one batch row by row and hands them over as a <see cref="DataBatch"/> when full, so that readers
/// allocate one set of arrays per batch, not objects per row.
/// </summary>
internal sealed class DataBatchBuilder
{
    private readonly string[] _textFields;
    private readonly string[] _numberFields;
    private readonly int _weakPrograms;
    private readonly int _classes;
    private readonly int _capacity;
    private long _nextFirstRow;

    private string[] _ids = null!;
    private string[][] _texts = null!;
    private double[][] _numbers = null!;
    private int[] _labels = null!;
    private sbyte[][] _weak = null!;

    public DataBatchBuilder(IReadOnlyList<string> textFields, IReadOnlyList<string> numberFields, int weakPrograms, int classes, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (weakPrograms > 0 && classes < 2)
        {
            throw new ArgumentException("weak labels need at least two classes");
        }

        _textFields = [.. textFields];
        _numberFields = [.. numberFields];
        _weakPrograms = weakPrograms;
        _classes = classes;
        _capacity = capacity;
        Allocate();
    }

    public int Count { get; private set; }

    public bool IsFull => Count == _capacity;

    public int WeakPrograms => _weakPrograms;

    /// <summary>Starts a row and returns its index in the current batch; every column defaults to empty / NaN / no label / abstain.</summary>
    public int AddRow(string id)
    {
        var row = Count++;
        _ids[row] = id;
        return row;
    }

    public string[] TextColumn(int field) => _texts[field];

    public double[] NumberColumn(int field) => _numbers[field];

    public int[] Labels => _labels;

    public sbyte[] WeakColumn(int program) => _weak[program];

    /// <summary>Returns the rows added so far as a batch and starts an empty one; null when there are none.</summary>
    public DataBatch? Flush()
    {
        if (Count == 0)
        {
            return null;
        }

        var n = Count;
        var texts = new Dictionary<string, string[]>(_textFields.Length, StringComparer.Ordinal);
        for (var i = 0; i < _textFields.Length; i++)
        {
            texts[_textFields[i]] = Trim(_texts[i], n);
        }

        var numbers = new Dictionary<string, double[]>(_numberFields.Length, StringComparer.Ordinal);
        for (var i = 0; i < _numberFields.Length; i++)
        {
            numbers[_numberFields[i]] = Trim(_numbers[i], n);
        }

        LabelMatrix? weak = null;
        if (_weakPrograms > 0)
        {
            var columns = new sbyte[_weakPrograms][];
            for (var j = 0; j < columns.Length; j++)
            {
                columns[j] = Trim(_weak[j], n);
            }

            weak = LabelMatrix.FromColumns(n, _classes, WeakProgramNames(_weakPrograms), columns);
        }

        var batch = new DataBatch(_nextFirstRow, Trim(_ids, n), texts, numbers, Trim(_labels, n), weak);
        _nextFirstRow += n;
        Count = 0;
        Allocate();
        return batch;
    }

    /// <summary>Names of the labeling functions that come with a data set (WRENCH weak_labels have no names of their own).</summary>
    public static string[] WeakProgramNames(int count) => Enumerable.Range(0, count).Select(j => $"lf{j}").ToArray();

    /// <summary>A batch of no rows with the source's columns, so that code asking for a field finds it empty, not missing.</summary>
    public static DataBatch Empty(IDataSource source)
    {
        var fields = (source as IFieldMapped)?.Fields;
        return new(
            0,
            [],
            (fields?.TextFields ?? []).ToDictionary(f => f, _ => Array.Empty<string>(), StringComparer.Ordinal),
            (fields?.NumberFields ?? []).ToDictionary(f => f, _ => Array.Empty<double>(), StringComparer.Ordinal),
            []);
    }

    private static T[] Trim<T>(T[] array, int n) => n == array.Length ? array : array.AsSpan(0, n).ToArray();

    private void Allocate()
    {
        _ids = new string[_capacity];
        _texts = new string[_textFields.Length][];
        for (var i = 0; i < _texts.Length; i++)
        {
            _texts[i] = new string[_capacity];
            Array.Fill(_texts[i], string.Empty);
        }

        _numbers = new double[_numberFields.Length][];
        for (var i = 0; i < _numbers.Length; i++)
        {
            _numbers[i] = new double[_capacity];
            Array.Fill(_numbers[i], double.NaN);
        }

        _labels = new int[_capacity];
        Array.Fill(_labels, DataBatch.NoLabel);
        _weak = new sbyte[_weakPrograms][];
        for (var j = 0; j < _weak.Length; j++)
        {
            _weak[j] = new sbyte[_capacity];
            Array.Fill(_weak[j], LabelMatrix.Abstain);
        }
    }
}
