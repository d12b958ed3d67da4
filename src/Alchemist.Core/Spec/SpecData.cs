using Alchemist.Data;

namespace Alchemist.Spec;

/// <summary>
/// A spec's data as read: valid and test in memory, train in memory too when <see cref="TrainHeld"/>, and how many train
/// rows there are.
/// </summary>
public sealed record LoadedData(Dataset Dataset, long TrainRows, bool TrainHeld);

/// <summary>Turns a spec's data section into sources per split and into an in-memory <see cref="Dataset"/>.</summary>
public static class SpecData
{
    /// <summary>The fields to read: the spec's text and number inputs, its label and id fields, and its class names.</summary>
    public static FieldMap FieldMap(TaskSpec spec) =>
        new(spec.Inputs.Where(i => i.Type is InputType.Text or InputType.Image).Select(i => i.Name).Concat(spec.Data.GroupField is { } group ? [group] : []).ToArray(), spec.Data.LabelField)
        {
            NumberFields = spec.Inputs.Where(i => i.Type == InputType.Number).Select(i => i.Name).ToArray(),
            IdField = spec.Data.IdField,
            ClassNames = spec.Data.Classes ?? spec.ClassNames,
            ReplaceInvalidUtf8 = spec.Data.InvalidUtf8 == InvalidUtf8.Replace,
        };

    /// <summary>
    /// Each row's group (<c>data.group_field</c>) in <paramref name="rows"/>; null when the spec has no group field or the
    /// rows lack it.
    /// </summary>
    public static IReadOnlyList<string>? Groups(TaskSpec spec, DataBatch rows) =>
        spec.Data.GroupField is { } field && rows.Texts.TryGetValue(field, out var groups) ? groups : null;

    /// <summary>
    /// Streaming sources for train and, where the spec has them, valid and test. With one file the rows are divided by the
    /// spec's seeded split as they stream. Each is a <see cref="FieldLimitSource"/> under the spec's
    /// <see cref="DataSpec.FieldLimit"/>, so every reader of a split (programs, end model, studio, synthesis) sees the same
    /// values, none longer than the limit, and each split's reads count the values cut.
    /// </summary>
    public static (IDataSource Train, IDataSource? Valid, IDataSource? Test) OpenSources(TaskSpec spec)
    {
        var data = spec.Data;
        var limit = data.FieldLimit;
        if (data.File is not null)
        {
            var whole = Open(spec, data.File, "file");
            var rule = new SeededSplit(data.Split!.Valid, data.Split.Test, data.Split.Seed).Validate();
            return (new FieldLimitSource(rule.Select(whole, SplitName.Train), limit),
                rule.ValidFraction > 0 ? new FieldLimitSource(rule.Select(whole, SplitName.Valid), limit) : null,
                rule.TestFraction > 0 ? new FieldLimitSource(rule.Select(whole, SplitName.Test), limit) : null);
        }

        return (new FieldLimitSource(Open(spec, data.Train!, SplitName.Train), limit),
            data.Valid is null ? null : new FieldLimitSource(Open(spec, data.Valid, SplitName.Valid), limit),
            data.Test is null ? null : new FieldLimitSource(Open(spec, data.Test, SplitName.Test), limit));
    }

    /// <summary>Reads every split into memory and checks that the rows have the spec's inputs and classes.</summary>
    public static Dataset LoadDataset(TaskSpec spec) => LoadDataset(spec, int.MaxValue).Dataset;

    /// <summary>
    /// Reads valid and test into memory, and train once through: into memory as well when it has at most
    /// <paramref name="trainRowsHeld"/> rows, else only counted and checked (inputs, labels, unique ids), its split left
    /// with no rows for the caller to fill with a sample (<see cref="Dataset.WithTrain"/>). Every check of
    /// <see cref="LoadDataset(TaskSpec)"/> holds either way.
    /// </summary>
    public static LoadedData LoadDataset(TaskSpec spec, int trainRowsHeld)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainRowsHeld);
        var (train, valid, test) = OpenSources(spec);
        var validRows = valid?.ReadAll();
        var testRows = test?.ReadAll();
        var held = new List<DataBatch>();
        var holding = true;
        long trainCount = 0;
        var trainGold = false;
        DataBatch? firstBatch = null;
        var idHashes = spec.Data.IdField is null ? null : new IdHashes();
        foreach (var batch in train.ReadBatches(DataBatch.PassSize))
        {
            firstBatch ??= batch;
            trainCount += batch.Count;
            trainGold |= batch.HasAnyGold;
            RequireInputs(spec, train.Path, batch);
            if (holding)
            {
                held.Add(batch);
                if (trainCount > trainRowsHeld)
                {
                    holding = false;
                    held.Clear();
                }
            }

            if (idHashes is not null)
            {
                foreach (var id in batch.RowIds)
                {
                    idHashes.Add(IdHash(id));
                }
            }
        }

        var trainRows = !holding ? (firstBatch ?? DataBatchBuilder.Empty(train)).Slice(0, 0)
            : held.Count == 0 ? DataBatchBuilder.Empty(train) : DataBatch.Concat(held);
        held.Clear();
        var dataset = Dataset.FromRows(spec.Name, spec.ClassNames, (train, trainRows), valid is null ? null : (valid, validRows!), test is null ? null : (test, testRows!));
        if (trainCount == 0)
        {
            var rows = dataset.Splits.Sum(s => s.Count);
            throw new DataFormatException(train.Path, rows == 0
                ? "no rows: the file has nothing to label below its header"
                : $"no rows for train: the split put all {rows} rows of the file into valid and test; add rows");
        }

        // A CSV or JSONL file without the label field reads as unlabeled, which is right for a test or new file but,
        // when no file has the field at all, almost always means a misspelled label_field.
        if (spec.Data.LabelField is { } labelField && spec.Data.Format != "wrench" && !trainGold && !dataset.Splits.Any(s => s.Rows.HasAnyGold))
        {
            var files = string.Join(", ", dataset.Splits.Select(s => s.Source.Path).Distinct());
            throw new DataFormatException(files, "no row has a label in this field; check its name (a CSV header column or a JSONL property), or leave the label field out for unlabeled data", field: labelField);
        }

        // A valid file is there for its gold labels (they choose the label model and the final labels); one without them,
        // while other files have the field, is almost always a column named differently in that file.
        if (spec.Data.LabelField is { } validLabel && spec.Data.Format != "wrench" && spec.Data.Valid is not null
            && dataset.Valid is { } labeledValid && labeledValid.Count > 0 && !labeledValid.Rows.HasAnyGold)
        {
            throw new DataFormatException(labeledValid.Source.Path, "no valid row has a label in this field, though other files have it; valid gold labels choose the label model and the final labels, so check the column name in this file", field: validLabel);
        }

        foreach (var split in new[] { dataset.Valid, dataset.Test }.OfType<DataSplit>())
        {
            RequireInputs(spec, split.Source.Path, split.Rows);
        }

        // Valid gold chooses the label model, weighs the sources and calibrates the final labels; gold of one class makes
        // every such choice favour that class, and the run would label every row with it while reporting perfect accuracy.
        if (dataset.Valid is { } validSplit && validSplit.Rows.HasAnyGold
            && validSplit.Rows.Labels.Where(k => k != DataBatch.NoLabel).Distinct().ToList() is [var only])
        {
            throw new DataFormatException(validSplit.Source.Path, $"every labeled valid row is '{dataset.ClassNames[only]}'; valid needs labeled rows of at least two classes ({string.Join(", ", dataset.ClassNames)}) to choose and check the labels");
        }

        if (spec.Data.IdField is { } idField)
        {
            if (holding)
            {
                RequireUniqueIds(dataset, idField);
            }
            else
            {
                RequireUniqueStreamedIds(dataset, idField, idHashes!);
            }
        }

        return new LoadedData(dataset, trainCount, holding);
    }

    /// <summary>
    /// Unique ids over a train split not held in memory: a 64-bit hash per row (8 bytes, where a set of the ids themselves
    /// costs tens), sorted; only the rows whose hash repeats are read again, to tell a repeated id from a collision.
    /// </summary>
    private static void RequireUniqueStreamedIds(Dataset dataset, string idField, IdHashes trainHashes)
    {
        var train = dataset.Train.Source;
        foreach (var split in new[] { dataset.Valid, dataset.Test }.OfType<DataSplit>().Where(s => s.Source.Path == train.Path))
        {
            foreach (var id in split.Rows.RowIds)
            {
                trainHashes.Add(IdHash(id));
            }
        }

        var repeated = trainHashes.TakeRepeated();
        if (repeated.Count == 0)
        {
            return;
        }

        var splits = new[] { (train.ReadBatches(), dataset.Train.Name) }
            .Concat(new[] { dataset.Valid, dataset.Test }.OfType<DataSplit>().Where(s => s.Source.Path == train.Path).Select(s => ((IEnumerable<DataBatch>)[s.Rows], s.Name)));
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (batches, name) in splits)
        {
            foreach (var batch in batches)
            {
                foreach (var id in batch.RowIds)
                {
                    if (repeated.Contains(IdHash(id)) && !seen.TryAdd(id, name))
                    {
                        var where = seen[id] == name ? $"two {name} rows" : $"a {seen[id]} row and a {name} row";
                        throw new DataFormatException(train.Path, $"row id '{id}' is used twice ({where}); ids must be unique", field: idField);
                    }
                }
            }
        }
    }

    /// <summary>FNV-1a over the id's UTF-16 code units: fixed across runs and machines, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static long IdHash(string id)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return (long)hash;
    }

    /// <summary>
    /// Labels are written by split and row id and joined back to the file by id, so two rows of one file with one id would
    /// make the outputs ambiguous. (Separate split files may reuse ids, as WRENCH files do.)
    /// </summary>
    private static void RequireUniqueIds(Dataset dataset, string idField)
    {
        var seen = new Dictionary<(string File, string Id), string>();
        foreach (var split in dataset.Splits)
        {
            foreach (var id in split.Rows.RowIds)
            {
                if (!seen.TryAdd((split.Source.Path, id), split.Name))
                {
                    var where = seen[(split.Source.Path, id)] == split.Name ? $"two {split.Name} rows" : $"a {seen[(split.Source.Path, id)]} row and a {split.Name} row";
                    throw new DataFormatException(split.Source.Path, $"row id '{id}' is used twice ({where}); ids must be unique", field: idField);
                }
            }
        }
    }

    /// <summary>
    /// Checks that rows read from <paramref name="file"/> have each of the spec's inputs with its kind (a WRENCH file names
    /// its own fields, so its rows may not).
    /// </summary>
    public static void RequireInputs(TaskSpec spec, string file, DataBatch rows)
    {
        foreach (var input in spec.ProgramInputs)
        {
            var present = input.Type == InputType.Text ? rows.Texts.ContainsKey(input.Name) : rows.Numbers.ContainsKey(input.Name);
            if (!present && rows.Count > 0)
            {
                var has = rows.Texts.Keys.Select(k => $"'{k}' (text)").Concat(rows.Numbers.Keys.Select(k => $"'{k}' (number)"));
                throw new DataFormatException(file, $"the spec's input is not a {(input.Type == InputType.Text ? "text" : "number")} field of these rows; they have {string.Join(", ", has)}", field: input.Name);
            }
        }
    }

    private static IDataSource Open(TaskSpec spec, string relative, string key)
    {
        var source = WithImageScores(spec, OpenAsLabeled(spec, relative, key));
        return ClassMapping.Of(spec) is { } mapping ? source.WithLabelsMapped(mapping.DataToSpec, spec.ClassNames) : source;
    }

    /// <summary>
    /// The sources of the spec's data files (each once, before any split) whose image input the extractor scores: what
    /// <c>alchemist extract</c> reads and writes a table for. Empty when the spec has no image input.
    /// </summary>
    public static IReadOnlyList<ImageScoresSource> ImageSources(TaskSpec spec)
    {
        if (spec.ImageInput is null)
        {
            return [];
        }

        var data = spec.Data;
        var files = data.File is not null ? new[] { (data.File, "file") }
            : new[] { (data.Train, SplitName.Train), (data.Valid, SplitName.Valid), (data.Test, SplitName.Test) }.Where(f => f.Item1 is not null).Select(f => (f.Item1!, f.Item2));
        return files.Select(f => (ImageScoresSource)WithImageScores(spec, OpenAsLabeled(spec, f.Item1, f.Item2))).ToArray();
    }

    /// <summary>
    /// A data file's rows (a file of the spec's or a new one, before any split) with its image input read as the extractor's
    /// scores, from the file's table in the project (unchanged without an image input); the image paths are relative to the
    /// file's folder, or to the folder itself for an <see cref="ImageFolderSource"/>.
    /// </summary>
    public static IDataSource WithImageScores(TaskSpec spec, IDataSource file)
    {
        if (spec.ImageInput is not { } image)
        {
            return file;
        }

        var folder = file is ImageFolderSource ? file.Path : Path.GetDirectoryName(file.Path)!;
        var fields = spec.Extractor!.Concepts.Select(c => ExtractorSpec.ScoreField(c.Name)).ToArray();
        if (fields.Length == 0)
        {
            throw spec.Error("extractor.concepts", "no concepts to score the images against: list the visual concepts that tell the classes apart (or set llm.provider, and `alchemist extract` or `run` asks the LLM to name them)");
        }

        return new ImageScoresSource(file, image.Name, folder, ImageScores.TablePath(spec.ProjectDirectory, file, folder, ImageScores.ExtractorKey(spec)), fields)
        {
            RejectUnreadable = spec.Inputs.Count == 1,
        };
    }

    /// <summary>A data file read with its own labels (<see cref="DataSpec.Classes"/>, or the spec's classes).</summary>
    private static IDataSource OpenAsLabeled(TaskSpec spec, string relative, string key)
    {
        var dataClasses = spec.Data.Classes ?? spec.ClassNames;
        var classesKey = spec.Data.Classes is null ? "classes" : "data.classes";
        var path = spec.ResolvePath(relative);
        if (spec.Data.Format == "images")
        {
            return Directory.Exists(path)
                ? new ImageFolderSource(path, spec.ImageInput!.Name, dataClasses)
                : throw spec.Error($"data.{key}", $"folder not found: {path} (an image folder has one subfolder of images per class)");
        }

        if (!File.Exists(path))
        {
            throw spec.Error($"data.{key}", Directory.Exists(path) ? $"{path} is a folder; name the data file in it" : $"file not found: {path}");
        }

        if (spec.Data.Format != "wrench")
        {
            return Dataset.OpenFile(path, spec.Data.Format, FieldMap(spec));
        }

        var folder = Path.GetDirectoryName(path)!;
        var labelJson = Path.Combine(folder, "label.json");
        var classes = File.Exists(labelJson) ? ClassLabels.ReadLabelJson(labelJson) : dataClasses;
        if (classes.Count != dataClasses.Count
            || classes.Zip(dataClasses).Any(p => !string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase)))
        {
            throw spec.Error(
                classesKey,
                $"the spec lists {string.Join(", ", dataClasses)} but {labelJson} has {string.Join(", ", classes)}; list them in the same order");
        }

        return new WrenchSource(path, dataClasses) { ReplaceInvalidUtf8 = spec.Data.InvalidUtf8 == InvalidUtf8.Replace };
    }
}
