namespace Alchemist.Data;

/// <summary>
/// A folder of images laid out one subfolder per class (<c>data.format: images</c>): <c>train/cat/001.png</c> is a train row
/// with gold label cat; images directly in the folder have no gold. Each row's id and its one text field
/// (<see cref="Field"/>) are the image's path relative to the folder, with '/' between parts, and rows come in the ordinal
/// order of those paths. A subfolder whose name is no class (ignoring case), or that is a link, is an error that names it;
/// hidden files and folders are skipped.
/// </summary>
public sealed class ImageFolderSource : IDataSource, IFieldMapped
{
    /// <summary>
    /// The extensions taken as images (rows), lower case: those Skia decodes, and TGA, TIFF and PBM, which the decoder read before Skia replaced
    /// ImageSharp and reads no longer, stay: such a file is then a row named as unreadable, not left out of the data
    /// without a word.
    /// </summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".ico", ".wbmp", ".tga", ".tif", ".tiff", ".pbm",
    };

    private readonly IReadOnlyList<string> _classNames;

    /// <summary>The folder <paramref name="folder"/>, its images in the text field <paramref name="field"/>.</summary>
    public ImageFolderSource(string folder, string field, IReadOnlyList<string> classNames)
    {
        Path = System.IO.Path.GetFullPath(folder);
        Field = field;
        _classNames = classNames;
    }

    /// <inheritdoc/>
    public string Path { get; }

    /// <inheritdoc/>
    public string Format => "images";

    /// <summary>The text field that holds each image's relative path.</summary>
    public string Field { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string>? ClassNames => _classNames;

    /// <inheritdoc/>
    public FieldMap? Fields => new([Field]) { ClassNames = _classNames };

    /// <summary>Every image's path relative to the folder and its gold label, in row order.</summary>
    public IReadOnlyList<(string Relative, int Label)> List()
    {
        if (!Directory.Exists(Path))
        {
            throw new DataFormatException(Path, "folder not found");
        }

        var rows = new List<(string, int)>();
        foreach (var file in Files(Path))
        {
            if (!Extensions.Contains(System.IO.Path.GetExtension(file)))
            {
                continue;
            }

            var relative = System.IO.Path.GetRelativePath(Path, file).Replace(System.IO.Path.DirectorySeparatorChar, '/');
            var slash = relative.IndexOf('/', StringComparison.Ordinal);
            var label = DataBatch.NoLabel;
            if (slash >= 0)
            {
                var folder = relative[..slash];
                label = Enumerable.Range(0, _classNames.Count).FirstOrDefault(k => string.Equals(_classNames[k], folder, StringComparison.OrdinalIgnoreCase), -1);
                if (label < 0)
                {
                    throw new DataFormatException(System.IO.Path.Combine(Path, folder), $"subfolder '{folder}' is not a class; an image folder has one subfolder per class ({string.Join(", ", _classNames)}) and unlabeled images beside them");
                }
            }

            rows.Add((relative, label));
        }

        rows.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return rows;
    }

    /// <summary>Hidden files and folders (a name starting with a dot, on Unix) are no data: .git, .DS_Store, ._photo.png.</summary>
    private static readonly EnumerationOptions Visible = new() { AttributesToSkip = FileAttributes.Hidden | FileAttributes.System, IgnoreInaccessible = false };

    /// <summary>
    /// The files under <paramref name="folder"/>, its subfolders' too. A subfolder that is a link is an error naming it, not
    /// followed: a link within the tree lists its images twice, the second time under another class's name, and a link to a
    /// folder above it never ends.
    /// </summary>
    private static IEnumerable<string> Files(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*", Visible))
        {
            yield return file;
        }

        foreach (var sub in Directory.EnumerateDirectories(folder, "*", Visible))
        {
            if (new DirectoryInfo(sub).LinkTarget is { } target)
            {
                throw new DataFormatException(sub, $"a link (to {target}), which an image folder does not follow, so that no image is listed twice or under another class's name: put the images themselves here, or point data at the folder it links to");
            }

            foreach (var file in Files(sub))
            {
                yield return file;
            }
        }
    }

    /// <inheritdoc/>
    public IEnumerable<DataBatch> ReadBatches(int batchSize = DataBatch.DefaultSize)
    {
        var rows = List();
        for (var start = 0; start < rows.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, rows.Count - start);
            var paths = new string[count];
            var labels = new int[count];
            for (var r = 0; r < count; r++)
            {
                (paths[r], labels[r]) = rows[start + r];
            }

            yield return new DataBatch(start, paths, new Dictionary<string, string[]>(StringComparer.Ordinal) { [Field] = (string[])paths.Clone() }, new Dictionary<string, double[]>(StringComparer.Ordinal), labels);
        }
    }

    /// <summary>
    /// Over the listing (each image's relative path, size and last write time) and the classes: the images' own bytes are
    /// hashed by the extractor, which keys its scores by them.
    /// </summary>
    public string ContentHash() =>
        Data.ContentHash.OfFiles(
            new[] { "images", Field, string.Join(',', _classNames) }
                .Concat(List().Select(r =>
                {
                    var info = new FileInfo(System.IO.Path.Combine(Path, r.Relative));
                    return $"{r.Relative}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
                })));
}
