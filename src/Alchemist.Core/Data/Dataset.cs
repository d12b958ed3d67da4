namespace Alchemist.Data;

/// <summary>One split read into memory: its rows and the data set's class names.</summary>
public sealed record DataSplit(string Name, IDataSource Source, DataBatch Rows, IReadOnlyList<string> ClassNames)
{
    /// <summary>Number of rows.</summary>
    public int Count => Rows.Count;
}

/// <summary>
/// Train, valid and test splits of one data set with their class names. Valid and test may be absent (a project that only
/// labels its own data); a split that is asked for but absent is an error that says so.
/// </summary>
public sealed class Dataset
{
    internal Dataset(string name, IReadOnlyList<string> classNames, DataSplit train, DataSplit? valid, DataSplit? test)
    {
        Name = name;
        ClassNames = classNames;
        Train = train;
        Valid = valid;
        Test = test;
    }

    /// <summary>
    /// The data set's name, for reports: a WRENCH folder's name, or the name given to <see cref="FromSources"/>.
    /// </summary>
    public string Name { get; }

    /// <summary>Class names in index order; every split's labels index into them.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes.</summary>
    public int Classes => ClassNames.Count;

    /// <summary>The rows to label (<see cref="SplitName.Train"/>); always present.</summary>
    public DataSplit Train { get; }

    /// <summary>The labeled rows choices are made on; null when the data set has none.</summary>
    public DataSplit? Valid { get; }

    /// <summary>The rows only read to report figures; null when the data set has none.</summary>
    public DataSplit? Test { get; }

    /// <summary>The splits present, in the order train, valid, test.</summary>
    public IEnumerable<DataSplit> Splits => new[] { Train, Valid, Test }.OfType<DataSplit>();

    /// <summary>The split named <paramref name="name"/> (<see cref="SplitName"/>).</summary>
    /// <exception cref="InvalidOperationException">The data set has no such split.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not train, valid or test.</exception>
    public DataSplit Split(string name) =>
        name switch
        {
            SplitName.Train => Train,
            SplitName.Valid => Valid ?? throw new InvalidOperationException($"data set '{Name}' has no valid split"),
            SplitName.Test => Test ?? throw new InvalidOperationException($"data set '{Name}' has no test split"),
            _ => throw new ArgumentException($"unknown split '{name}'; splits are train, valid and test", nameof(name)),
        };

    /// <summary>
    /// The same data set with other train rows in memory, read from the same source: a sample of a train split too large to
    /// hold, for the stages that learn from train rows.
    /// </summary>
    public Dataset WithTrain(DataBatch rows) => new(Name, ClassNames, Train with { Rows = rows }, Valid, Test);

    /// <summary>Reads train.json, valid.json and test.json (each optional except train) of a WRENCH folder.</summary>
    public static Dataset LoadWrench(string folder)
    {
        var train = WrenchSource.Open(folder, SplitName.Train);
        var classes = train.ClassNames;
        IDataSource? Optional(string split) =>
            File.Exists(Path.Combine(folder, split + ".json")) ? new WrenchSource(Path.Combine(folder, split + ".json"), classes) : null;

        return FromSources(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))), train, Optional(SplitName.Valid), Optional(SplitName.Test), classes);
    }

    /// <summary>
    /// Reads the given sources into memory. Without class names (a CSV or JSONL file with integer labels) the classes are
    /// named "0".."k-1", where k is one more than the largest label seen in any split (at least two).
    /// </summary>
    public static Dataset FromSources(string name, IDataSource train, IDataSource? valid, IDataSource? test, IReadOnlyList<string>? classNames = null)
    {
        var trainRows = train.ReadAll();
        var validRows = valid?.ReadAll();
        var testRows = test?.ReadAll();
        classNames ??= train.ClassNames ?? valid?.ClassNames ?? test?.ClassNames;
        if (classNames is null)
        {
            var largest = new[] { trainRows, validRows, testRows }.OfType<DataBatch>()
                .Select(b => b.Count == 0 ? -1 : b.Labels.Max())
                .DefaultIfEmpty(-1)
                .Max();
            classNames = Enumerable.Range(0, Math.Max(2, largest + 1)).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        return FromRows(name, classNames, (train, trainRows), valid is null ? null : (valid, validRows!), test is null ? null : (test, testRows!));
    }

    /// <summary>Splits already read, each with the source it came from, under the given class names.</summary>
    public static Dataset FromRows(
        string name,
        IReadOnlyList<string> classNames,
        (IDataSource Source, DataBatch Rows) train,
        (IDataSource Source, DataBatch Rows)? valid,
        (IDataSource Source, DataBatch Rows)? test) =>
        new(
            name,
            classNames,
            new DataSplit(SplitName.Train, train.Source, train.Rows, classNames),
            valid is { } v ? new DataSplit(SplitName.Valid, v.Source, v.Rows, classNames) : null,
            test is { } t ? new DataSplit(SplitName.Test, t.Source, t.Rows, classNames) : null);

    /// <summary>Opens a data file by format name: "wrench" (a folder or a split file beside label.json), "csv", "jsonl" or "parquet".</summary>
    public static IDataSource OpenFile(string path, string format, FieldMap? fields)
    {
        switch (format)
        {
            case "wrench":
                var folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
                var split = Directory.Exists(path) ? SplitName.Train : Path.GetFileNameWithoutExtension(path);
                return WrenchSource.Open(folder, split);
            case "csv":
            case "tsv":
                return new CsvSource(path, fields ?? FieldMap.Text());
            case "jsonl":
                return new JsonlSource(path, fields ?? FieldMap.Text());
            case "parquet":
                return new ParquetSource(path, fields ?? FieldMap.Text());
            default:
                throw new ArgumentException($"unknown data format '{format}'; formats are wrench, csv, jsonl and parquet", nameof(format));
        }
    }

    /// <summary>The format a path's extension implies: .json or a folder = wrench, .csv/.tsv = csv, .jsonl/.ndjson = jsonl.</summary>
    public static string GuessFormat(string path)
    {
        if (Directory.Exists(path))
        {
            return "wrench";
        }

        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => "wrench",
            ".csv" or ".tsv" => "csv",
            ".jsonl" or ".ndjson" => "jsonl",
            ".parquet" => "parquet",
            var other => throw new ArgumentException($"cannot tell the format of '{path}' from its extension '{other}'; say wrench, csv, jsonl or parquet"),
        };
    }
}
