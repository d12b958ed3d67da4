using Microsoft.ML;
using Microsoft.ML.Data;

namespace Alchemist.EndModel;

/// <summary>
/// The end model's weighted training rows as an ML.NET data view that SDCA shuffles itself: every pass visits the rows in a
/// fresh order drawn from the trainer's seeded generator. Rows loaded from an enumerable cannot be shuffled, so ML.NET put a
/// pool-shuffling transform in front of them (a producer thread passing rows through a small pool, spinning while it
/// waits): at 1M generated rows, a 50,000-row sample, that transform and its spinning took a third of the end model's
/// cross-fit, and each pass only reordered rows within the pool. Rows keep their index as their id, which is what SDCA keys
/// each row's dual variable by, whatever order a pass visits them in.
/// </summary>
internal sealed class TrainingRowsView : IDataView
{
    public const string LabelColumn = "Label";
    public const string FeaturesColumn = "Features";
    public const string WeightColumn = "Weight";

    private readonly VBuffer<float>[] _vectors;
    private readonly int[] _vectorOfRow;
    private readonly uint[] _classOfRow;
    private readonly float[] _weightOfRow;

    /// <param name="classes">The label's classes (0-based here; ML.NET's key values start at 1).</param>
    /// <param name="slots">The length of every feature vector.</param>
    /// <param name="vectors">The distinct feature vectors; rows share them (a row per class a source row has weight for).</param>
    /// <param name="vectorOfRow">Per row, its index into <paramref name="vectors"/>.</param>
    /// <param name="classOfRow">Per row, its class.</param>
    /// <param name="weightOfRow">Per row, its weight.</param>
    public TrainingRowsView(int classes, int slots, VBuffer<float>[] vectors, int[] vectorOfRow, uint[] classOfRow, float[] weightOfRow)
    {
        if (vectorOfRow.Length != classOfRow.Length || classOfRow.Length != weightOfRow.Length)
        {
            throw new ArgumentException($"rows disagree in number: {vectorOfRow.Length} vectors, {classOfRow.Length} classes, {weightOfRow.Length} weights");
        }

        _vectors = vectors;
        _vectorOfRow = vectorOfRow;
        _classOfRow = classOfRow;
        _weightOfRow = weightOfRow;
        var schema = new DataViewSchema.Builder();
        schema.AddColumn(LabelColumn, new KeyDataViewType(typeof(uint), classes));
        schema.AddColumn(FeaturesColumn, new VectorDataViewType(NumberDataViewType.Single, slots));
        schema.AddColumn(WeightColumn, NumberDataViewType.Single);
        Schema = schema.ToSchema();
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => true;

    public long? GetRowCount() => _classOfRow.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = new bool[Schema.Count];
        foreach (var column in columnsNeeded)
        {
            active[column.Index] = true;
        }

        return new Cursor(this, active, rand is null ? null : Permutation(_classOfRow.Length, rand));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    /// <summary>A uniformly random order of <paramref name="count"/> rows (Fisher-Yates).</summary>
    internal static int[] Permutation(int count, Random rand)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        for (var i = count - 1; i > 0; i--)
        {
            var j = rand.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private sealed class Cursor(TrainingRowsView view, bool[] active, int[]? order) : DataViewRowCursor
    {
        private long _position = -1;
        private int _row = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_position + 1 >= view._classOfRow.Length)
            {
                _position = view._classOfRow.Length;
                _row = -1;
                return false;
            }

            _position++;
            _row = order is null ? (int)_position : order[_position];
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)Current(), 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active[column.Index])
            {
                throw new InvalidOperationException($"column {column.Name} was not asked for when the cursor was made");
            }

            Delegate getter = column.Name switch
            {
                // Key values count from 1; 0 would be a missing label.
                LabelColumn => (ValueGetter<uint>)((ref uint value) => value = view._classOfRow[Current()] + 1),
                FeaturesColumn => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) => view._vectors[view._vectorOfRow[Current()]].CopyTo(ref value)),
                WeightColumn => (ValueGetter<float>)((ref float value) => value = view._weightOfRow[Current()]),
                _ => throw new ArgumentException($"no column {column.Name}", nameof(column)),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"column {column.Name} is {column.Type}, not {typeof(TValue).Name}");
        }

        private int Current() => _row >= 0 ? _row : throw new InvalidOperationException("the cursor is not on a row");
    }
}
