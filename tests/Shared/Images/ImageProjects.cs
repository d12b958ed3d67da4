using Alchemist.Spec;
using SkiaSharp;

namespace Alchemist.Tests.Images;

/// <summary>Small image projects the tests write: red and blue squares as two classes, scored by <see cref="ToyClip"/>.</summary>
public static class ImageProjects
{
    /// <summary>The extractor section for a project whose toy model sits in its models/ folder.</summary>
    public const string Extractor = """
        extractor:
          image_encoder: models/image-encoder.onnx
          text_encoder: models/text-encoder.onnx
          vocabulary: models/vocab.json
          merges: models/merges.txt
          batch_size: 8
          concepts:
            - red
            - name: blue
              description: blue object
        """;

    /// <summary>
    /// A CSV project in <paramref name="folder"/>: train, valid and test files of rows (id, image, label) whose images are
    /// red squares (class RED) or blue squares (class BLUE) on grey, <paramref name="perClass"/> of each per split.
    /// </summary>
    public static TaskSpec RedBlue(string folder, int perClass = 10, string? extra = null)
    {
        ToyClip.Write(Path.Combine(folder, "models"));
        foreach (var (split, seed) in new[] { ("train", 1), ("valid", 2), ("test", 3) })
        {
            var lines = new List<string> { "id,image,label" };
            for (var i = 0; i < 2 * perClass; i++)
            {
                var red = i % 2 == 0;
                var name = $"images/{split}-{i:D3}.png";
                TestImages.Square(Path.Combine(folder, "data", name), red ? new SKColor(220, 30, 30) : new SKColor(30, 40, 220), new SKColor(128, 128, 128), 0.6, seed * 1000 + i);
                lines.Add($"{split}-{i},{name},{(red ? "RED" : "BLUE")}");
            }

            File.WriteAllLines(Path.Combine(folder, "data", split + ".csv"), lines);
        }

        File.WriteAllText(Path.Combine(folder, TaskSpec.FileName), $"""
            name: red-blue
            description: Is the square red or blue?
            inputs:
              - name: image
                type: image
            classes:
              - RED
              - BLUE
            data:
              format: csv
              train: data/train.csv
              valid: data/valid.csv
              test: data/test.csv
              label_field: label
              id_field: id
            {Extractor}
            {extra}
            """);
        return SpecReader.Load(folder);
    }
}
