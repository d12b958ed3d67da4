namespace Alchemist.Data;

/// <summary>
/// One file of rows (a split, or a whole data set before splitting), read as a stream of batches.
/// Enumerating <see cref="ReadBatches"/> again reads the file again from the start.
/// </summary>
public interface IDataSource
{
    /// <summary>The file path, for messages.</summary>
    string Path { get; }

    /// <summary>"wrench", "csv" or "jsonl".</summary>
    string Format { get; }

    /// <summary>Class names when the source knows them (WRENCH label.json, or given by the caller); null otherwise.</summary>
    IReadOnlyList<string>? ClassNames { get; }

    /// <summary>
    /// The rows in file order, at most <paramref name="batchSize"/> per batch; each enumeration reads the file again.
    /// </summary>
    /// <exception cref="DataFormatException">
    /// The file is missing or a row cannot be read; the message names the file, line and field.
    /// </exception>
    IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize);

    /// <summary>
    /// SHA-256 (hex) of the file's bytes together with how it is read (format, fields, classes): a cache key that changes
    /// whenever either changes.
    /// </summary>
    string ContentHash();
}

/// <summary>
/// A source whose fields are named up front (CSV, JSONL, or a split of one), so that even a file with no rows reads as a
/// batch with those columns. A WRENCH file finds its fields in its first row and has none to give when it is empty.
/// </summary>
internal interface IFieldMapped
{
    FieldMap? Fields { get; }
}

/// <summary>Helpers over any <see cref="IDataSource"/>.</summary>
public static class DataSourceExtensions
{
    /// <summary>Reads every row into one batch; for files that fit in memory (splits for label models, tests).</summary>
    public static DataBatch ReadAll(this IDataSource source, int batchSize = DataBatch.DefaultSize)
    {
        var batches = source.ReadBatches(batchSize).ToList();
        return batches.Count == 0 ? DataBatchBuilder.Empty(source) : DataBatch.Concat(batches);
    }

    /// <summary>
    /// The same rows, with <see cref="IDataSource.ContentHash"/> computed once and remembered: for a caller that asks for
    /// the hash several times while the file stays put (one apply over several programs and caches).
    /// </summary>
    public static IDataSource WithContentHashOnce(this IDataSource source) =>
        source as HashedOnceSource ?? new HashedOnceSource(source);

    /// <summary>
    /// The same rows with each gold label d read as <paramref name="dataToClass"/>[d] (-1: no gold), and the classes named
    /// <paramref name="classNames"/>: the data's labels seen through classes that changed after the data were labeled.
    /// </summary>
    /// <param name="source">Rows whose labels index the data's own classes.</param>
    /// <param name="dataToClass">For each data label, the class it is gold for, or -1.</param>
    /// <param name="classNames">The classes the mapped labels index.</param>
    public static IDataSource WithLabelsMapped(this IDataSource source, IReadOnlyList<int> dataToClass, IReadOnlyList<string> classNames) =>
        new RelabeledSource(source, dataToClass.ToArray(), classNames);

    private sealed class RelabeledSource(IDataSource inner, int[] dataToClass, IReadOnlyList<string> classNames) : IDataSource, IFieldMapped
    {
        private readonly bool _keepsIndices = dataToClass.Length == classNames.Count && dataToClass.Select((c, d) => c == d).All(same => same);

        public FieldMap? Fields => (inner as IFieldMapped)?.Fields;

        public string Path => inner.Path;

        public string Format => inner.Format;

        public IReadOnlyList<string>? ClassNames => classNames;

        public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
        {
            foreach (var batch in inner.ReadBatches(batchSize))
            {
                if (_keepsIndices)
                {
                    yield return batch;
                    continue;
                }

                var labels = new int[batch.Count];
                for (var r = 0; r < labels.Length; r++)
                {
                    var d = batch.Labels[r];
                    labels[r] = d >= 0 && d < dataToClass.Length ? dataToClass[d] : DataBatch.NoLabel;
                }

                // A WRENCH file's own weak labels vote the data's classes, which no longer line up with these.
                yield return new DataBatch(batch.FirstRow, batch.RowIds, batch.Texts, batch.Numbers, labels) { RejectedRows = batch.RejectedRows };
            }
        }

        // A rename keeps every label, and so every cache keyed by the rows; a changed mapping changes the gold they carry.
        public string ContentHash() =>
            _keepsIndices ? inner.ContentHash() : inner.ContentHash() + ";labels=" + string.Join(',', dataToClass);
    }

    /// <summary>
    /// The same file's rows served from <paramref name="rows"/>, already read, with the file's content hash (computed once):
    /// for a caller that applies programs to the same split again and again (the studio, on every save), where parsing the
    /// file each time would cost more than the programs.
    /// </summary>
    public static IDataSource WithRowsInMemory(this IDataSource source, DataBatch rows) => new InMemoryRows(source.WithContentHashOnce(), rows);

    private sealed class InMemoryRows(IDataSource file, DataBatch rows) : IDataSource, IFieldMapped
    {
        public FieldMap? Fields => (file as IFieldMapped)?.Fields;

        public string Path => file.Path;

        public string Format => file.Format;

        public IReadOnlyList<string>? ClassNames => file.ClassNames;

        public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
        {
            for (var start = 0; start < rows.Count; start += batchSize)
            {
                yield return start == 0 && rows.Count <= batchSize ? rows : rows.Slice(start, Math.Min(batchSize, rows.Count - start));
            }
        }

        public string ContentHash() => file.ContentHash();
    }

    private sealed class HashedOnceSource(IDataSource inner) : IDataSource, IFieldMapped
    {
        private readonly Lazy<string> _hash = new(inner.ContentHash);

        public FieldMap? Fields => (inner as IFieldMapped)?.Fields;

        public string Path => inner.Path;

        public string Format => inner.Format;

        public IReadOnlyList<string>? ClassNames => inner.ClassNames;

        public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize) => inner.ReadBatches(batchSize);

        public string ContentHash() => _hash.Value;
    }
}
