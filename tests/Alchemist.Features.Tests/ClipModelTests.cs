using Alchemist.Features.Clip;
using Alchemist.Features.Images;
using Alchemist.Tests.Images;
using SkiaSharp;
using Xunit;

namespace Alchemist.Features.Tests;

public sealed class ClipModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("alchemist-clip-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private OnnxClipModel Open()
    {
        ToyClip.Write(_folder);
        var files = ToyClip.Files(_folder);
        return OnnxClipModel.Open(files.ImageEncoder, files.TextEncoder, files.Vocabulary, files.Merges, "toy");
    }

    [Fact]
    public void The_tokenizer_frames_and_pads_and_merges_each_known_word_into_one_token()
    {
        using var model = Open();
        foreach (var (word, _) in ToyClip.Words)
        {
            Assert.Equal([word + "</w>"], model.Tokenizer.Tokens(word));
        }

        Assert.Equal(["a</w>", "photo</w>", "of</w>", "red</w>", ".</w>"], model.Tokenizer.Tokens("  A photo of   RED."));
        var (ids, mask) = model.Tokenizer.Encode("a red fruit");
        Assert.Equal(ToyClip.ContextLength, ids.Length);
        Assert.Equal([1, 1, 1, 1, 1, 0], mask[..6]);
        Assert.Equal(0, ids[0]);                          // <|startoftext|>
        Assert.All(ids[4..], id => Assert.Equal(1, id));  // <|endoftext|>, then padding with it
    }

    [Fact]
    public void The_model_reads_its_image_size_context_length_and_width_from_the_graphs()
    {
        using var model = Open();
        Assert.Equal(ToyClip.ImageSize, model.Preprocessing.Size);
        Assert.Equal(4, model.Dimensions);
        Assert.Equal(ToyClip.ContextLength, model.Tokenizer.ContextLength);
    }

    [Fact]
    public void The_image_key_names_the_encoder_the_side_and_the_decoder_so_embeddings_made_otherwise_are_not_reused()
    {
        using var model = Open();
        Assert.Equal($"toy|{ToyClip.ImageSize}|{ImageDecoder.Identity}", model.ImageKey);
        Assert.StartsWith("SkiaSharp ", ImageDecoder.Identity, StringComparison.Ordinal);
    }

    [Fact]
    public void A_colour_concept_scores_images_of_that_colour_above_the_others()
    {
        using var model = Open();
        var p = model.Preprocessing;
        var colours = new[] { new SKColor(220, 30, 30), new SKColor(200, 60, 40), new SKColor(30, 40, 220), new SKColor(40, 60, 200) };
        var pixels = new float[colours.Length * p.TensorLength];
        for (var i = 0; i < colours.Length; i++)
        {
            var file = TestImages.Square(Path.Combine(_folder, $"img{i}.png"), colours[i], new SKColor(128, 128, 128), 0.6, i);
            Assert.Null(ImageDecoder.Read(file, p, pixels.AsSpan(i * p.TensorLength, p.TensorLength)).Error);
        }

        var images = model.EmbedImages(pixels, colours.Length);
        var texts = model.EmbedTexts(["a photo of a red object.", "a photo of a blue object."]);
        double Score(int image, int text) => 100 * System.Numerics.Tensors.TensorPrimitives.Dot(images.AsSpan(image * 4, 4), texts.AsSpan(text * 4, 4));

        foreach (var red in new[] { 0, 1 })
        {
            foreach (var blue in new[] { 2, 3 })
            {
                Assert.True(Score(red, 0) > Score(blue, 0) + 20, $"red prompt: red image {Score(red, 0):F1}, blue image {Score(blue, 0):F1}");
                Assert.True(Score(blue, 1) > Score(red, 1) + 20, $"blue prompt: blue image {Score(blue, 1):F1}, red image {Score(red, 1):F1}");
            }
        }

        // Unit length, so a dot product is a cosine.
        Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(images.AsSpan(0, 4)), 3);
    }

    [Fact]
    public void Files_that_are_not_models_are_named()
    {
        ToyClip.Write(_folder);
        var files = ToyClip.Files(_folder);
        File.WriteAllText(Path.Combine(_folder, "broken.onnx"), "not a model");
        var e = Assert.Throws<InvalidDataException>(() => OnnxClipModel.Open(Path.Combine(_folder, "broken.onnx"), files.TextEncoder, files.Vocabulary, files.Merges, "x"));
        Assert.Contains("broken.onnx", e.Message);
        Assert.Contains("image encoder", e.Message);
    }
}
