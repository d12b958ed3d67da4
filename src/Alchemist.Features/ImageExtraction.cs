using System.Diagnostics;
using Alchemist.Data;
using Alchemist.Features.Clip;
using Alchemist.Features.Images;
using Alchemist.Spec;

namespace Alchemist.Features;

/// <summary>What extraction did for one data file.</summary>
/// <param name="File">The data file (or image folder).</param>
/// <param name="Rows">Its rows.</param>
/// <param name="Encoded">Images run through the image encoder.</param>
/// <param name="Cached">Images whose embedding came from the cache.</param>
/// <param name="Current">The file's scores were already written for these images, model and concepts; nothing was read.</param>
/// <param name="Problems">Rows whose image could not be scored (their scores are NaN), named by file and row.</param>
/// <param name="Seconds">Wall-clock seconds spent on the file.</param>
public sealed record ExtractedFile(string File, int Rows, int Encoded, int Cached, bool Current, IReadOnlyList<ImageProblem> Problems, double Seconds);

/// <summary>What <see cref="ImageExtraction.Run"/> did, per data file.</summary>
public sealed record ExtractionResult(IReadOnlyList<ExtractedFile> Files)
{
    /// <summary>The highest peak resident memory of a walled decoder process, in bytes (0 where none ran or it cannot be read).</summary>
    public long DecoderPeakResidentBytes { get; init; }

    /// <summary>Images run through the encoder, over all files.</summary>
    public int Encoded => Files.Sum(f => f.Encoded);

    /// <summary>Every image that could not be scored.</summary>
    public IEnumerable<ImageProblem> Problems => Files.SelectMany(f => f.Problems);
}

/// <summary>
/// Scores every image of a spec's data files against every concept (<c>alchemist extract</c>, and <c>run</c> when scores are
/// missing): for each file whose <see cref="ImageScoreTable"/> is missing or older than its images, every image is read
/// (its bytes hashed), embedded unless <see cref="EmbeddingCache"/> knows it (decoded on every core, a batch of
/// <see cref="ExtractorSpec.BatchSize"/> images per encoder call), and scored as
/// <see cref="ExtractorSpec.LogitScale"/> x cosine with each concept's prompt embedding. A missing or corrupt image is a
/// <see cref="ImageProblem"/>, its scores NaN; it never stops the extraction.
/// </summary>
public static class ImageExtraction
{
    /// <summary>Whether every data file of <paramref name="spec"/> has current scores (true when it has no image input).</summary>
    public static bool IsCurrent(TaskSpec spec) => SpecData.ImageSources(spec).All(IsCurrent);

    /// <summary>Extracts the scores of every data file whose scores are missing or stale (all of them with <paramref name="force"/>).</summary>
    public static ExtractionResult Run(TaskSpec spec, Action<string>? log = null, bool force = false, CancellationToken cancel = default)
    {
        var sources = SpecData.ImageSources(spec);
        var files = new List<ExtractedFile>();
        if (sources.Count == 0)
        {
            return new ExtractionResult(files);
        }

        var pending = sources.Where(s => force || !IsCurrent(s)).ToList();
        foreach (var current in sources.Except(pending))
        {
            files.Add(new ExtractedFile(current.Path, current.Table.Rows, 0, 0, true, current.Table.Problems, 0));
        }

        if (pending.Count == 0)
        {
            return new ExtractionResult(files);
        }

        using var model = Open(spec);
        var decoder = new WalledImageDecoder();
        try
        {
            ExtractPending(spec, pending, model, decoder, files, log, cancel);
        }
        finally
        {
            decoder.Dispose();
        }

        return new ExtractionResult(files) { DecoderPeakResidentBytes = decoder.PeakResidentBytes };
    }

    private static void ExtractPending(TaskSpec spec, List<ImageScoresSource> pending, OnnxClipModel model, WalledImageDecoder decoder, List<ExtractedFile> files, Action<string>? log, CancellationToken cancel)
    {
        var extractor = spec.Extractor!;
        var prompts = extractor.Concepts.Select(extractor.PromptOf).ToArray();
        var concepts = model.EmbedTexts(prompts);
        var cache = EmbeddingCache.Open(Path.Combine(spec.ProjectDirectory, ProjectLayout.StateFolderName, "cache", "images"), model.ImageKey, model.Dimensions);
        foreach (var source in pending)
        {
            cancel.ThrowIfCancellationRequested();
            var file = Extract(source, model, decoder, cache, concepts, (float)extractor.LogitScale, extractor.BatchSize, extractor.EndModelEmbeddings, log, cancel);
            files.Add(file);
            log?.Invoke($"extract: {Path.GetFileName(source.Path)}: {file.Rows} images, {file.Encoded} encoded, {file.Cached} from the cache, {file.Problems.Count} unreadable, {file.Seconds:F1} s");
            foreach (var problem in file.Problems.Take(5))
            {
                log?.Invoke($"extract: unreadable image {problem}");
            }

            if (file.Problems.Count > 5)
            {
                log?.Invoke($"extract: ... and {file.Problems.Count - 5} more unreadable images in {Path.GetFileName(source.Path)}");
            }
        }
    }

    /// <summary>
    /// Scores one file's images where its table is missing or stale (a new file to label, read through
    /// <see cref="SpecData.WithImageScores"/>); what it did, or null when the scores were current.
    /// </summary>
    public static ExtractedFile? Ensure(TaskSpec spec, ImageScoresSource source, Action<string>? log = null, CancellationToken cancel = default)
    {
        if (IsCurrent(source))
        {
            return null;
        }

        using var model = Open(spec);
        using var decoder = new WalledImageDecoder();
        var extractor = spec.Extractor!;
        var concepts = model.EmbedTexts([.. extractor.Concepts.Select(extractor.PromptOf)]);
        var cache = EmbeddingCache.Open(Path.Combine(spec.ProjectDirectory, ProjectLayout.StateFolderName, "cache", "images"), model.ImageKey, model.Dimensions);
        return Extract(source, model, decoder, cache, concepts, (float)extractor.LogitScale, extractor.BatchSize, extractor.EndModelEmbeddings, log, cancel);
    }

    /// <summary>Opens the spec's CLIP-style extractor on ONNX Runtime.</summary>
    /// <exception cref="SpecException">A model file is missing or not what it should be; the message names its key.</exception>
    public static OnnxClipModel Open(TaskSpec spec)
    {
        var extractor = spec.Extractor ?? throw new InvalidOperationException("the spec has no extractor");
        var imageHash = ImageScores.FileSha256(spec, "image_encoder", extractor.ImageEncoder);
        foreach (var (key, file) in new[] { ("text_encoder", extractor.TextEncoder), ("vocabulary", extractor.Vocabulary), ("merges", extractor.Merges) })
        {
            _ = ImageScores.FileSha256(spec, key, file);
        }

        try
        {
            return OnnxClipModel.Open(spec.ResolvePath(extractor.ImageEncoder), spec.ResolvePath(extractor.TextEncoder), spec.ResolvePath(extractor.Vocabulary), spec.ResolvePath(extractor.Merges), imageHash);
        }
        catch (InvalidDataException e)
        {
            throw spec.Error("extractor", e.Message);
        }
    }

    private static bool IsCurrent(ImageScoresSource source)
    {
        if (ImageScoreTable.TryRead(source.TablePath) is not { } table || table.Decoder != ImageDecoder.Identity)
        {
            return false;
        }

        var rows = 0;
        foreach (var batch in source.Inner.ReadBatches())
        {
            var paths = batch.Text(source.ImageField);
            for (var r = 0; r < batch.Count; r++, rows++)
            {
                if (rows >= table.Rows)
                {
                    return false;
                }

                var (length, ticks) = ImageScoreTable.Stamp(Path.Combine(source.ImageFolder, paths[r]));
                if (length != table.Lengths[rows] || (length >= 0 && ticks != table.Ticks[rows]))
                {
                    return false;
                }
            }
        }

        return rows == table.Rows;
    }

    private static ExtractedFile Extract(ImageScoresSource source, IFeatureExtractor model, WalledImageDecoder decoder, EmbeddingCache cache, float[] concepts, float scale, int batchSize, bool keepEmbeddings, Action<string>? log, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var rows = new List<(string Id, string Path)>();
        foreach (var batch in source.Inner.ReadBatches())
        {
            var paths = batch.Text(source.ImageField);
            for (var r = 0; r < batch.Count; r++)
            {
                rows.Add((batch.RowIds[r], paths[r]));
            }
        }

        var fields = source.ScoreFields;
        var conceptCount = fields.Count;
        var table = new ImageScoreTable(fields, rows.Count) { Decoder = ImageDecoder.Identity };
        if (keepEmbeddings)
        {
            table.Embeddings = new float[rows.Count * model.Dimensions];
            Array.Fill(table.Embeddings, float.NaN);
        }

        var preprocessing = model.Preprocessing;
        var dimensions = model.Dimensions;
        var encoded = 0;
        var cached = 0;
        var pixels = new float[batchSize * preprocessing.TensorLength];
        var reads = new ImageRead[batchSize];
        var embeddings = new float[batchSize][];
        var lastLog = Stopwatch.StartNew();
        // A cancelled or failed extraction keeps the embeddings it computed: the next one takes them from the cache.
        try
        {
            for (var start = 0; start < rows.Count; start += batchSize)
            {
                cancel.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, rows.Count - start);

                // Read and hash every image of the batch; decode, into its own slot, only those the cache does not know.
                var decode = new bool[count];
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancel }, k =>
                {
                    embeddings[k] = null!;

                    // Stamped as the staleness checks stamp it (a file's size and time, never its bytes), read only from under the folder.
                    (table.Lengths[start + k], table.Ticks[start + k]) = ImageScoreTable.Stamp(Path.Combine(source.ImageFolder, rows[start + k].Path));
                    if (ImageDecoder.ResolveUnder(source.ImageFolder, rows[start + k].Path, out var outside) is not { } path)
                    {
                        reads[k] = new ImageRead(null, outside);
                        return;
                    }

                    var file = ImageDecoder.ReadFile(path, out var bytes);
                    if (bytes is not null && cache.TryGet(file.Sha256!, out var known))
                    {
                        reads[k] = file;
                        embeddings[k] = known;
                        return;
                    }

                    reads[k] = bytes is null ? file : file with { Error = decoder.Decode(bytes, preprocessing, pixels.AsSpan(k * preprocessing.TensorLength, preprocessing.TensorLength)) };
                    decode[k] = reads[k].Error is null;
                });

                // One encoder call over the decoded images, packed to the front.
                var slots = Enumerable.Range(0, count).Where(k => decode[k]).ToArray();
                if (slots.Length > 0)
                {
                    var packed = new float[slots.Length * preprocessing.TensorLength];
                    for (var i = 0; i < slots.Length; i++)
                    {
                        pixels.AsSpan(slots[i] * preprocessing.TensorLength, preprocessing.TensorLength).CopyTo(packed.AsSpan(i * preprocessing.TensorLength));
                    }

                    var output = model.EmbedImages(packed, slots.Length);
                    for (var i = 0; i < slots.Length; i++)
                    {
                        var embedding = output.AsSpan(i * dimensions, dimensions).ToArray();
                        embeddings[slots[i]] = embedding;
                        cache.Add(reads[slots[i]].Sha256!, embedding);
                    }

                    encoded += slots.Length;
                }

                for (var k = 0; k < count; k++)
                {
                    var row = start + k;
                    if (reads[k].Error is { } error)
                    {
                        table.Problems.Add(new ImageProblem(row, rows[row].Id, Path.Combine(source.ImageFolder, rows[row].Path), error));
                        continue;
                    }

                    if (!decode[k])
                    {
                        cached++;
                    }

                    var embedding = embeddings[k];
                    if (table.Embeddings is { } kept)
                    {
                        embedding.CopyTo(kept, row * dimensions);
                    }

                    for (var f = 0; f < conceptCount; f++)
                    {
                        table.Scores[(row * conceptCount) + f] = scale * System.Numerics.Tensors.TensorPrimitives.Dot(embedding.AsSpan(), concepts.AsSpan(f * dimensions, dimensions));
                    }
                }

                if (lastLog.Elapsed.TotalSeconds >= 5)
                {
                    cache.Flush();
                    log?.Invoke($"extract: {Path.GetFileName(source.Path)}: {start + count:N0} of {rows.Count:N0} images ({(start + count) / clock.Elapsed.TotalSeconds:F0} a second)");
                    lastLog.Restart();
                }
            }
        }
        finally
        {
            cache.Flush();
        }

        table.Write(source.TablePath);
        return new ExtractedFile(source.Path, rows.Count, encoded, cached, false, table.Problems, clock.Elapsed.TotalSeconds);
    }
}
