using Alchemist.Data;
using Alchemist.Features.Images;
using Alchemist.Spec;
using Alchemist.Tests.Images;
using SkiaSharp;
using Xunit;

namespace Alchemist.Features.Tests;

public sealed class ImageExtractionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("alchemist-extract-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ExtractionResult Extract(TaskSpec spec) => ImageExtraction.Run(spec, cancel: TestContext.Current.CancellationToken);

    [Fact]
    public void Scores_become_number_fields_that_tell_the_classes_apart_and_the_image_path_is_gone()
    {
        var spec = ImageProjects.RedBlue(_folder);
        Assert.Equal(["red_score", "blue_score"], spec.ProgramInputs.Select(i => i.Name));
        Assert.False(ImageExtraction.IsCurrent(spec));
        var ex = Assert.Throws<ImageScoresMissingException>(() => SpecData.LoadDataset(spec));
        Assert.Contains("alchemist extract", ex.Message);

        var result = Extract(spec);

        Assert.Equal(3, result.Files.Count);
        Assert.Equal(60, result.Encoded);
        Assert.Empty(result.Problems);
        Assert.True(ImageExtraction.IsCurrent(spec));
        var data = SpecData.LoadDataset(spec);
        foreach (var split in data.Splits)
        {
            Assert.False(split.Rows.Texts.ContainsKey("image"));
            var red = split.Rows.Number("red_score");
            var blue = split.Rows.Number("blue_score");
            for (var r = 0; r < split.Count; r++)
            {
                var isRed = split.Rows.Labels[r] == 0;
                Assert.True(isRed ? red[r] > blue[r] : blue[r] > red[r], $"{split.Name} row {r}: red {red[r]:F1}, blue {blue[r]:F1}");
            }

            // Every red image scores above every blue one on the red concept.
            var redOfRed = Enumerable.Range(0, split.Count).Where(r => split.Rows.Labels[r] == 0).Select(r => red[r]).Min();
            var redOfBlue = Enumerable.Range(0, split.Count).Where(r => split.Rows.Labels[r] == 1).Select(r => red[r]).Max();
            Assert.True(redOfRed > redOfBlue, $"{split.Name}: lowest red score of a red image {redOfRed:F1}, highest of a blue one {redOfBlue:F1}");
        }
    }

    [Fact]
    public void A_second_run_reads_nothing_and_a_changed_image_is_encoded_again_alone()
    {
        var spec = ImageProjects.RedBlue(_folder, perClass: 4);
        Assert.Equal(24, Extract(spec).Encoded);
        var again = Extract(spec);
        Assert.All(again.Files, f => Assert.True(f.Current));
        Assert.Equal(0, again.Encoded);

        // One image redrawn blue: the table is stale, reading the data says so, and extracting encodes that image only.
        var changed = Path.Combine(_folder, "data", "images", "train-000.png");
        TestImages.Solid(changed, new SKColor(20, 20, 230), 20, 20);
        File.SetLastWriteTimeUtc(changed, DateTime.UtcNow.AddMinutes(1));
        var stale = Assert.Throws<ImageScoresMissingException>(() => SpecData.LoadDataset(spec));
        Assert.Contains("train-000.png", stale.Message);
        Assert.Contains("row 1", stale.Message);
        var third = Extract(spec);
        Assert.Equal(1, third.Encoded);
        var train = third.Files.Single(f => f.File.EndsWith("train.csv", StringComparison.Ordinal));
        Assert.Equal(7, train.Cached);
        var data = SpecData.LoadDataset(spec);
        Assert.True(data.Train.Rows.Number("blue_score")[0] > data.Train.Rows.Number("red_score")[0]);

        // A new concept is a new table; every image's embedding comes from the cache.
        var withGreen = SpecReader.Parse(File.ReadAllText(spec.SpecFile!).Replace("    - red\n", "    - red\n    - green\n", StringComparison.Ordinal), spec.SpecFile!, _folder);
        Assert.Equal(3, withGreen.Extractor!.Concepts.Count);
        var fourth = Extract(withGreen);
        Assert.Equal(0, fourth.Encoded);
        Assert.Equal(24, fourth.Files.Sum(f => f.Cached));
        Assert.True(SpecData.LoadDataset(withGreen).Train.Rows.Numbers.ContainsKey("green_score"));
    }

    [Fact]
    public void Missing_and_corrupt_images_are_named_by_file_and_row_score_NaN_and_their_rows_are_rejected()
    {
        var spec = ImageProjects.RedBlue(_folder, perClass: 3);
        File.Delete(Path.Combine(_folder, "data", "images", "train-002.png"));
        TestImages.Garbage(Path.Combine(_folder, "data", "images", "train-004.png"));
        TestImages.Truncated(Path.Combine(_folder, "data", "images", "valid-001.png"));
        // Cells no file can be named by: an empty one, and one holding a NUL (which the file system refuses outright).
        var valid = Path.Combine(_folder, "data", "valid.csv");
        var lines = File.ReadAllLines(valid);
        lines[4] = "valid-3,,BLUE";
        lines[5] = "valid-4,images/valid-004\0.png,RED";
        File.WriteAllLines(valid, lines);

        var result = Extract(spec);

        var problems = result.Problems.ToList();
        Assert.Equal(5, problems.Count);
        Assert.Equal("the row names no image (its path is empty)", problems.Single(p => p.RowId == "valid-3").Reason);
        Assert.Equal("the path holds a NUL character, which no file name can", problems.Single(p => p.RowId == "valid-4").Reason);
        var missing = problems.Single(p => p.File.EndsWith("train-002.png", StringComparison.Ordinal));
        Assert.Equal(("train-2", 2L, "file not found"), (missing.RowId, missing.Row, missing.Reason));
        Assert.Contains("(row 3, id train-2): file not found", missing.ToString());
        Assert.StartsWith("not an image", problems.Single(p => p.File.EndsWith("train-004.png", StringComparison.Ordinal)).Reason);
        Assert.StartsWith("corrupt image", problems.Single(p => p.File.EndsWith("valid-001.png", StringComparison.Ordinal)).Reason);

        var data = SpecData.LoadDataset(spec);
        Assert.True(double.IsNaN(data.Train.Rows.Number("red_score")[2]));
        Assert.False(double.IsNaN(data.Train.Rows.Number("red_score")[1]));
        Assert.Equal([2, 4], data.Train.Rows.RejectedRows!);
        Assert.Equal([1, 3, 4], data.Valid!.Rows.RejectedRows!);

        // The table remembers them: a second run reads nothing and reports them again.
        var again = Extract(spec);
        Assert.Equal(0, again.Encoded);
        Assert.Equal(5, again.Problems.Count());
    }

    [Fact]
    public void A_row_cannot_make_extraction_read_a_file_outside_the_data_folder()
    {
        // A data file comes from wherever the user got it: its paths must not reach the user's other files.
        var spec = ImageProjects.RedBlue(_folder, perClass: 3);
        var outside = TestImages.Solid(Path.Combine(_folder, "outside.png"), new SKColor(220, 30, 30));
        var linked = Path.Combine(_folder, "data", "images", "link.png");
        File.CreateSymbolicLink(linked, outside);
        var train = Path.Combine(_folder, "data", "train.csv");
        var lines = File.ReadAllLines(train);
        lines[1] = $"train-0,{outside},RED";
        lines[2] = "train-1,../outside.png,BLUE";
        lines[3] = "train-2,images/link.png,RED";
        lines[4] = "train-3,/dev/zero,BLUE";
        Directory.CreateSymbolicLink(Path.Combine(_folder, "data", "images", "linked-folder"), _folder);
        lines[5] = "train-4,images/linked-folder/outside.png,RED";
        File.WriteAllLines(train, lines);

        var result = Extract(spec);

        var refused = result.Problems.OrderBy(p => p.Row).ToList();
        Assert.Equal([0L, 1L, 2L, 3L, 4L], refused.Select(p => p.Row));
        Assert.All(refused, p => Assert.Contains("outside the data file's folder", p.Reason, StringComparison.Ordinal));
        Assert.StartsWith("the path is a link", refused[2].Reason, StringComparison.Ordinal);
        Assert.StartsWith("the path is a link", refused[4].Reason, StringComparison.Ordinal);
        var data = SpecData.LoadDataset(spec);
        Assert.Equal([0, 1, 2, 3, 4], data.Train.Rows.RejectedRows!);
        Assert.False(double.IsNaN(data.Train.Rows.Number("red_score")[5]));
    }

    [Fact]
    public void A_file_that_never_ends_is_read_only_to_the_size_cap()
    {
        // /dev/zero reports no length: a read to its end would fill memory.
        var read = ImageDecoder.ReadFile("/dev/zero", out var bytes);

        Assert.Null(bytes);
        Assert.Equal($"file has more than {ImageDecoder.MaxFileBytes >> 20} MiB; images over that are not read", read.Error);
    }

    [Fact]
    public void An_image_folder_with_a_subfolder_per_class_is_read_with_its_labels()
    {
        ToyClip.Write(Path.Combine(_folder, "models"));
        foreach (var (split, n) in new[] { ("train", 6), ("valid", 4) })
        {
            for (var i = 0; i < n; i++)
            {
                var red = i % 2 == 0;
                TestImages.Square(Path.Combine(_folder, split, red ? "red" : "blue", $"{i}.png"), red ? new SKColor(220, 30, 30) : new SKColor(30, 40, 220), new SKColor(128, 128, 128), 0.6, (split == "valid" ? 100 : 0) + i);
            }
        }

        TestImages.Solid(Path.Combine(_folder, "train", "unlabeled.png"), new SKColor(220, 30, 30));
        File.WriteAllText(Path.Combine(_folder, "train", "notes.txt"), "not an image");
        File.WriteAllText(Path.Combine(_folder, TaskSpec.FileName), $"""
            name: folders
            description: Red or blue?
            inputs:
              - name: photo
                type: image
            classes: [RED, BLUE]
            data:
              format: images
              train: train
              valid: valid
            {ImageProjects.Extractor}
            """);
        var spec = SpecReader.Load(_folder);

        Assert.Equal(11, Extract(spec).Encoded);
        var data = SpecData.LoadDataset(spec);
        Assert.Equal(7, data.Train.Count);
        Assert.Equal(["blue/1.png", "blue/3.png", "blue/5.png", "red/0.png", "red/2.png", "red/4.png", "unlabeled.png"], data.Train.Rows.RowIds);
        Assert.Equal([1, 1, 1, 0, 0, 0, -1], data.Train.Rows.Labels);
        Assert.Equal(4, data.Valid!.Count);

        Directory.CreateDirectory(Path.Combine(_folder, "valid", "green"));
        TestImages.Solid(Path.Combine(_folder, "valid", "green", "0.png"), new SKColor(0, 200, 0));
        var error = Assert.Throws<DataFormatException>(() => Extract(spec));
        Assert.Contains("subfolder 'green' is not a class", error.Message);
        Directory.Delete(Path.Combine(_folder, "valid", "green"), recursive: true);

        // Hidden files and folders are no rows (a thumbnail folder, a resource fork beside a photo).
        TestImages.Solid(Path.Combine(_folder, "valid", "red", ".thumbs", "0.png"), new SKColor(0, 200, 0));
        TestImages.Solid(Path.Combine(_folder, "valid", "red", "._0.png"), new SKColor(0, 200, 0));
        Extract(spec);
        Assert.Equal(["blue/1.png", "blue/3.png", "red/0.png", "red/2.png"], SpecData.LoadDataset(spec).Valid!.Rows.RowIds);

        // A linked folder would list blue's photos again as red ones; it is named, not followed.
        Directory.CreateSymbolicLink(Path.Combine(_folder, "valid", "red", "alias"), Path.Combine(_folder, "valid", "blue"));
        var link = Assert.Throws<DataFormatException>(() => Extract(spec));
        Assert.Contains(Path.Combine("valid", "red", "alias"), link.Message);
        Assert.Contains("a link (to ", link.Message);
    }

    [Fact]
    public void A_table_another_decoder_made_is_stale()
    {
        var spec = ImageProjects.RedBlue(_folder, perClass: 1);
        Extract(spec);
        var source = SpecData.ImageSources(spec)[0];
        var table = ImageScoreTable.TryRead(source.TablePath)!;
        Assert.Equal(ImageDecoder.Identity, table.Decoder);
        table.Decoder = "SixLabors.ImageSharp 2.1.13";
        table.Write(source.TablePath);

        var again = Extract(spec);

        Assert.False(again.Files.Single(f => f.File == source.Path).Current);
        Assert.All(again.Files.Where(f => f.File != source.Path), f => Assert.True(f.Current));
        Assert.Equal(ImageDecoder.Identity, ImageScoreTable.TryRead(source.TablePath)!.Decoder);
    }

    [Fact]
    public void Files_of_the_same_bytes_in_two_folders_keep_the_scores_of_their_own_images()
    {
        var spec = ImageProjects.RedBlue(_folder, perClass: 1);
        var written = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var scores = new List<double>();
        // Photos of one size and write time (as an archive unpacks them) listed by identical files: a table checks an
        // image by its size and time, so only the folder in its key keeps the two apart.
        foreach (var (folder, colour) in new[] { ("b1", new SKColor(220, 30, 30)), ("b2", new SKColor(30, 40, 220)) })
        {
            var image = Path.Combine(_folder, folder, "0.png");
            TestImages.Solid(image, colour);
            File.SetLastWriteTimeUtc(image, written);
            File.WriteAllText(Path.Combine(_folder, folder, "rows.csv"), "id,image,label\na,0.png,RED\n");
            var read = spec with { Data = spec.Data with { Test = $"{folder}/rows.csv" } };
            Extract(read);
            scores.Add(SpecData.LoadDataset(read).Test!.Rows.Number("red_score")[0]);
        }

        Assert.Equal(new FileInfo(Path.Combine(_folder, "b1", "0.png")).Length, new FileInfo(Path.Combine(_folder, "b2", "0.png")).Length);
        Assert.True(scores[0] > scores[1] + 10, $"red_score of the red photo {scores[0]}, of the blue one {scores[1]}");
    }

    [Fact]
    public void With_end_model_embeddings_every_row_carries_its_unit_length_embedding_beside_the_scores()
    {
        var spec = ImageProjects.RedBlue(_folder, perClass: 3);
        spec = spec with { Extractor = spec.Extractor! with { EndModelEmbeddings = true } };
        File.Delete(Path.Combine(_folder, "data", "images", "train-001.png"));

        Extract(spec);

        var train = SpecData.LoadDataset(spec).Train.Rows;
        var columns = Enumerable.Range(0, 4).Select(k => train.Number(ExtractorSpec.EmbeddingPrefix + k)).ToArray();
        Assert.False(train.Numbers.ContainsKey(ExtractorSpec.EmbeddingPrefix + 4));
        Assert.Equal(1.0, Math.Sqrt(columns.Sum(c => c[0] * c[0])), 4);
        Assert.All(columns, c => Assert.True(double.IsNaN(c[1])));
        Assert.DoesNotContain(spec.ProgramInputs, i => i.Name.StartsWith(ExtractorSpec.EmbeddingPrefix, StringComparison.Ordinal));

        // The flag is part of the scores' key: without it the rows carry no embedding.
        var plain = spec with { Extractor = spec.Extractor with { EndModelEmbeddings = false } };
        Extract(plain);
        Assert.False(SpecData.LoadDataset(plain).Train.Rows.Numbers.ContainsKey(ExtractorSpec.EmbeddingPrefix + 0));
    }
}
