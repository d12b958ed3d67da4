using System.Globalization;
using System.Text.Json;

namespace Alchemist.Tests;

/// <summary>
/// The bundled example's spec over a generated train file of N rows (its train comments repeated, as JSON lines), with its
/// valid and test splits as they are, as JSON lines too: the projects of `bench/run scale` and of the cluster's kill-a-silo
/// test. Source shared by the tests and the bench (which references the libraries only); it needs neither.
/// </summary>
public static class ScaleProject
{
    /// <summary>Makes the project in <paramref name="project"/> (created; it must not hold another).</summary>
    /// <param name="project">The project folder.</param>
    /// <param name="rows">Train rows to generate.</param>
    /// <param name="exampleData">The example's data folder (examples/youtube-spam/data).</param>
    /// <param name="extraYaml">Sections appended to alchemist.yaml (end_model:, say), each line ending in a line break.</param>
    public static void Make(string project, long rows, string exampleData, string extraYaml = "")
    {
        var classes = ClassNames(exampleData);
        var data = Path.Combine(project, "data");
        Directory.CreateDirectory(data);
        var train = WrenchRows(Path.Combine(exampleData, "train.json"));
        foreach (var split in new[] { "valid", "test" })
        {
            using var writer = new StreamWriter(Path.Combine(data, split + ".jsonl"));
            foreach (var (id, text, label) in WrenchRows(Path.Combine(exampleData, split + ".json")))
            {
                writer.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = id, ["text"] = text, ["label"] = classes[label] }));
            }
        }

        using (var stream = new BufferedStream(File.Create(Path.Combine(data, "train.jsonl")), 1 << 20))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { SkipValidation = true }))
        {
            for (long r = 0; r < rows; r++)
            {
                json.WriteStartObject();
                json.WriteString("id", r.ToString(CultureInfo.InvariantCulture));
                json.WriteString("text", train[(int)(r % train.Count)].Text);
                json.WriteEndObject();
                json.Flush();
                json.Reset();
                stream.WriteByte((byte)'\n');
            }
        }

        File.WriteAllText(Path.Combine(project, "alchemist.yaml"), """
            name: youtube-spam-scale
            description: Decide whether a YouTube comment is spam (advertising, self-promotion, requests to subscribe or visit links) or ham (a genuine comment about the video).
            inputs:
            - name: text
              type: text
            classes:
            - name: HAM
            - name: SPAM
            data:
              format: jsonl
              train: data/train.jsonl
              valid: data/valid.jsonl
              test: data/test.jsonl
              id_field: id
              label_field: label
            llm:
              provider: offline

            """ + extraYaml);
    }

    /// <summary>The example's class names, by their index in its label.json.</summary>
    public static string[] ClassNames(string exampleData)
    {
        var classes = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(exampleData, "label.json")))!;
        return [.. classes.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).Select(c => c.Value)];
    }

    /// <summary>A WRENCH split's rows: id, text and gold class index.</summary>
    public static List<(string Id, string Text, int Label)> WrenchRows(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateObject().Select(row => (row.Name, row.Value.GetProperty("data").GetProperty("text").GetString()!, row.Value.GetProperty("label").GetInt32()))];
    }
}
