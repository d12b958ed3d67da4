using Alchemist.Features.Images;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Alchemist.Features.Clip;

/// <summary>
/// A CLIP-style extractor on ONNX Runtime's CPU provider: an image encoder (pixel values [n, 3, s, s] to embeddings [n, d]),
/// a text encoder (token ids [n, l], and an attention mask if it takes one, to embeddings [n, d]) and CLIP's tokenizer.
/// The image side is <c>image_embeds</c> or the model's first output, the text side <c>text_embeds</c> or its first; a
/// fixed side in the image input's shape sets the image size (224 otherwise), a fixed length in the text input's the
/// context length (77 otherwise). Sessions use every core. docs/images.md says how to export CLIP ViT-B/32 this way.
/// </summary>
public sealed class OnnxClipModel : IFeatureExtractor
{
    private readonly InferenceSession _image;
    private readonly InferenceSession _text;
    private readonly ClipTokenizer _tokenizer;
    private readonly string _imageInput;
    private readonly string _imageOutput;
    private readonly string _idsInput;
    private readonly string? _maskInput;
    private readonly string _textOutput;
    private readonly bool _int32Ids;

    private OnnxClipModel(InferenceSession image, InferenceSession text, string imageEncoderFile, string vocabulary, string merges, string imageKeySeed)
    {
        _image = image;
        _text = text;
        var (imageInput, imageMeta) = image.InputMetadata.FirstOrDefault(i => i.Value.ElementType == typeof(float) && i.Value.Dimensions.Length == 4);
        _imageInput = imageInput ?? throw new InvalidDataException($"{imageEncoderFile}: the image encoder needs a float input of shape [n, 3, height, width]");
        _imageOutput = image.OutputMetadata.ContainsKey("image_embeds") ? "image_embeds" : image.OutputMetadata.Keys.First();
        var side = imageMeta.Dimensions[3] > 0 ? imageMeta.Dimensions[3] : 224;
        Preprocessing = ImagePreprocessing.WithSize(side);

        var ids = text.InputMetadata.FirstOrDefault(i => i.Key == "input_ids");
        if (ids.Key is null)
        {
            ids = text.InputMetadata.FirstOrDefault(i => i.Value.ElementType == typeof(long) || i.Value.ElementType == typeof(int));
        }

        _idsInput = ids.Key ?? throw new InvalidDataException("the text encoder needs an integer input of token ids [n, length]");
        _int32Ids = ids.Value.ElementType == typeof(int);
        _maskInput = text.InputMetadata.ContainsKey("attention_mask") ? "attention_mask" : null;
        _textOutput = text.OutputMetadata.ContainsKey("text_embeds") ? "text_embeds" : text.OutputMetadata.Keys.First();
        var length = ids.Value.Dimensions.Length > 1 && ids.Value.Dimensions[1] > 0 ? ids.Value.Dimensions[1] : 77;
        _tokenizer = ClipTokenizer.Load(vocabulary, merges, length);
        Dimensions = OutputWidth(image.OutputMetadata[_imageOutput]) ?? EmbedProbe();
        ImageKey = imageKeySeed + "|" + side + "|" + ImageDecoder.Identity;
    }

    /// <inheritdoc/>
    public ImagePreprocessing Preprocessing { get; }

    /// <inheritdoc/>
    public int Dimensions { get; }

    /// <inheritdoc/>
    public string ImageKey { get; }

    /// <summary>The tokenizer of the text side.</summary>
    public ClipTokenizer Tokenizer => _tokenizer;

    /// <summary>
    /// Opens the two encoders and the tokenizer. <paramref name="imageEncoderHash"/> names the image encoder's bytes (its
    /// SHA-256), for <see cref="ImageKey"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is not what it should be; the message names it.</exception>
    public static OnnxClipModel Open(string imageEncoder, string textEncoder, string vocabulary, string merges, string imageEncoderHash, int? threads = null)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads ?? Environment.ProcessorCount,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        var image = Session(imageEncoder, options, "image encoder");
        try
        {
            var text = Session(textEncoder, options, "text encoder");
            try
            {
                return new OnnxClipModel(image, text, imageEncoder, vocabulary, merges, imageEncoderHash);
            }
            catch
            {
                text.Dispose();
                throw;
            }
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    private static InferenceSession Session(string file, SessionOptions options, string what)
    {
        try
        {
            return new InferenceSession(file, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{file}: not an ONNX model the runtime can load as the {what}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public float[] EmbedImages(ReadOnlySpan<float> pixels, int count)
    {
        var side = Preprocessing.Size;
        var input = new DenseTensor<float>(pixels[..(count * Preprocessing.TensorLength)].ToArray(), [count, 3, side, side]);
        using var results = _image.Run([NamedOnnxValue.CreateFromTensor(_imageInput, input)], [_imageOutput]);
        return Normalized(results.First().AsTensor<float>(), count);
    }

    /// <inheritdoc/>
    public float[] EmbedTexts(IReadOnlyList<string> texts)
    {
        var length = _tokenizer.ContextLength;
        var ids = new long[texts.Count * length];
        var mask = new long[texts.Count * length];
        for (var t = 0; t < texts.Count; t++)
        {
            var (i, m) = _tokenizer.Encode(texts[t]);
            i.CopyTo(ids, t * length);
            m.CopyTo(mask, t * length);
        }

        var inputs = new List<NamedOnnxValue> { Integers(_idsInput, ids, texts.Count, length) };
        if (_maskInput is not null)
        {
            inputs.Add(Integers(_maskInput, mask, texts.Count, length));
        }

        using var results = _text.Run(inputs, [_textOutput]);
        return Normalized(results.First().AsTensor<float>(), texts.Count);
    }

    private NamedOnnxValue Integers(string name, long[] values, int rows, int length) =>
        _int32Ids
            ? NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(values.Select(v => (int)v).ToArray(), [rows, length]))
            : NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(values, [rows, length]));

    private static float[] Normalized(Tensor<float> output, int rows)
    {
        if (output.Dimensions.Length != 2 || output.Dimensions[0] != rows)
        {
            throw new InvalidDataException($"an encoder gave an output of shape [{string.Join(", ", output.Dimensions.ToArray())}]; embeddings [n, d] were expected");
        }

        var values = output.ToArray();
        var width = values.Length / rows;
        for (var r = 0; r < rows; r++)
        {
            var row = values.AsSpan(r * width, width);
            var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            if (norm > 0)
            {
                System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
            }
        }

        return values;
    }

    private static int? OutputWidth(NodeMetadata output) =>
        output.Dimensions.Length == 2 && output.Dimensions[1] > 0 ? output.Dimensions[1] : null;

    private int EmbedProbe() => EmbedTexts([string.Empty]).Length;

    /// <inheritdoc/>
    public void Dispose()
    {
        _image.Dispose();
        _text.Dispose();
    }
}
