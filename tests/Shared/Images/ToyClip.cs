using System.Text.Json;
using Google.Protobuf;
using Onnx;

namespace Alchemist.Tests.Images;

/// <summary>
/// A CLIP-shaped model small enough to write in a test: the same four files as CLIP ViT-B/32 exported to ONNX (an image
/// encoder, a text encoder, vocab.json, merges.txt), with the same inputs and outputs, but weights chosen by hand so that
/// colour words match images of that colour. The image encoder averages each normalized channel over the image and maps
/// the three means to four dimensions (redness, greenness, blueness, brightness); the text encoder averages the
/// embeddings of its tokens, where only colour words (and light and dark words) have non-zero ones. Images are 32 pixels
/// square, texts 16 tokens.
/// </summary>
public static class ToyClip
{
    /// <summary>The image side the toy encoder reads.</summary>
    public const int ImageSize = 32;

    /// <summary>Tokens per text.</summary>
    public const int ContextLength = 16;

    /// <summary>The words the toy knows, each with its direction in (redness, greenness, blueness, brightness).</summary>
    public static readonly IReadOnlyList<(string Word, float[] Direction)> Words =
    [
        ("red", [1, 0, 0, 0]),
        ("green", [0, 1, 0, 0]),
        ("blue", [0, 0, 1, 0]),
        ("yellow", [0.5f, 0.5f, -1, 0]),
        ("orange", [1, 0, -1, 0]),
        ("bright", [0, 0, 0, 1]),
        ("white", [0, 0, 0, 1]),
        ("light", [0, 0, 0, 1]),
        ("dark", [0, 0, 0, -1]),
        ("black", [0, 0, 0, -1]),
        ("a", [0, 0, 0, 0]),
        ("photo", [0, 0, 0, 0]),
        ("of", [0, 0, 0, 0]),
        ("the", [0, 0, 0, 0]),
        ("an", [0, 0, 0, 0]),
        ("fruit", [0, 0, 0, 0]),
        ("object", [0, 0, 0, 0]),
        ("on", [0, 0, 0, 0]),
    ];

    /// <summary>The four files' names in a folder <see cref="Write"/> fills.</summary>
    public static (string ImageEncoder, string TextEncoder, string Vocabulary, string Merges) Files(string folder) =>
        (Path.Combine(folder, "image-encoder.onnx"), Path.Combine(folder, "text-encoder.onnx"), Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"));

    /// <summary>Writes the four files into <paramref name="folder"/>; the same bytes every time.</summary>
    public static void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var files = Files(folder);
        var (vocabulary, merges) = Vocabulary();
        File.WriteAllBytes(files.ImageEncoder, ImageEncoder().ToByteArray());
        File.WriteAllBytes(files.TextEncoder, TextEncoder(vocabulary).ToByteArray());
        File.WriteAllText(files.Vocabulary, JsonSerializer.Serialize(vocabulary));
        File.WriteAllText(files.Merges, "#version: 0.2\n" + string.Join("\n", merges) + "\n");
    }

    /// <summary>
    /// Byte-pair vocabulary and merges: every letter alone and closing a word, the two special tokens, and each word merged
    /// left to right into one token, longer words' merges ranked first (so green's "g r" comes before red's "r e", which
    /// would otherwise split green; the tokenizer test checks every word is one token).
    /// </summary>
    private static (Dictionary<string, int> Vocabulary, List<string> Merges) Vocabulary()
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(string token) => vocabulary.TryAdd(token, vocabulary.Count);
        Add("<|startoftext|>");
        Add("<|endoftext|>");
        for (var c = 'a'; c <= 'z'; c++)
        {
            Add(c.ToString());
            Add(c + "</w>");
        }

        foreach (var p in ".,!?'-")
        {
            Add(p.ToString());
            Add(p + "</w>");
        }

        var merges = new List<string>();
        foreach (var (word, _) in Words.OrderByDescending(w => w.Word.Length))
        {
            var prefix = word[..1];
            for (var k = 1; k < word.Length; k++)
            {
                var last = k == word.Length - 1;
                var next = last ? word[k] + "</w>" : word[k].ToString();
                var merge = $"{prefix} {next}";
                if (!merges.Contains(merge))
                {
                    merges.Add(merge);
                }

                prefix += word[k];
                Add(last ? prefix + "</w>" : prefix);
            }
        }

        return (vocabulary, merges);
    }

    private static ModelProto ImageEncoder()
    {
        var graph = new GraphProto { Name = "toy_clip_image_encoder" };
        graph.Input.Add(Value("pixel_values", TensorProto.Types.DataType.Float, "batch", 3, ImageSize, ImageSize));
        graph.Output.Add(Value("image_embeds", TensorProto.Types.DataType.Float, "batch", 4));
        graph.Initializer.Add(Floats("projection", [3, 4],
        [
            1f, -0.5f, -0.5f, 1f / 3,
            -0.5f, 1f, -0.5f, 1f / 3,
            -0.5f, -0.5f, 1f, 1f / 3,
        ]));
        var mean = Node("ReduceMean", ["pixel_values"], ["channel_means"]);
        mean.Attribute.Add(Ints("axes", 2, 3));
        mean.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        graph.Node.Add(mean);
        graph.Node.Add(Node("MatMul", ["channel_means", "projection"], ["image_embeds"]));
        return Model(graph);
    }

    private static ModelProto TextEncoder(Dictionary<string, int> vocabulary)
    {
        var graph = new GraphProto { Name = "toy_clip_text_encoder" };
        graph.Input.Add(Value("input_ids", TensorProto.Types.DataType.Int64, "batch", ContextLength));
        graph.Input.Add(Value("attention_mask", TensorProto.Types.DataType.Int64, "batch", ContextLength));
        graph.Output.Add(Value("text_embeds", TensorProto.Types.DataType.Float, "batch", 4));
        var table = new float[vocabulary.Count * 4];
        foreach (var (word, direction) in Words)
        {
            direction.CopyTo(table, vocabulary[word + "</w>"] * 4);
        }

        graph.Initializer.Add(Floats("token_embedding", [vocabulary.Count, 4], table));
        graph.Node.Add(Node("Gather", ["token_embedding", "input_ids"], ["token_vectors"]));
        var mean = Node("ReduceMean", ["token_vectors"], ["text_embeds"]);
        mean.Attribute.Add(Ints("axes", 1));
        mean.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        graph.Node.Add(mean);
        return Model(graph);
    }

    private static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "alchemist-toy-clip", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 13 });
        return model;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = (int)dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
