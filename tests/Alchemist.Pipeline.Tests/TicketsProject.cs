using System.Globalization;
using System.Text.Json;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// A synthetic, imbalanced support-ticket task in a temporary folder: row r of every split is spam when r % 20 is 0, urgent
/// when it is 1 to 3, routine otherwise (80 %, 15 % and 5 %); train has 400 rows, valid and test 200 each. Each text is three
/// of the given shared words plus what <c>marker</c> adds for its class and row.
/// </summary>
internal sealed class TicketsProject : IDisposable
{
    public TicketsProject(string extraYaml, string[] sharedWords, Func<int, int, string> marker)
    {
        Root = Path.Combine(Path.GetTempPath(), "alchemist-tickets-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "data"));
        Directory.CreateDirectory(Path.Combine(Root, "programs"));
        File.WriteAllText(Path.Combine(Root, "alchemist.yaml"), """
            name: tickets
            description: Sort support tickets into routine, urgent and spam.
            inputs:
            - name: text
              type: text
            classes:
            - name: routine
            - name: urgent
            - name: spam
            data:
              format: wrench
              train: data/train.json
              valid: data/valid.json
              test: data/test.json

            """ + extraYaml);
        foreach (var (name, rows, seed) in new[] { ("train", 400, 1), ("valid", 200, 2), ("test", 200, 3) })
        {
            var random = new Random(seed);
            var split = new Dictionary<string, object>();
            for (var r = 0; r < rows; r++)
            {
                var label = ClassOf(r);
                var text = string.Join(' ', Enumerable.Range(0, 3).Select(_ => sharedWords[random.Next(sharedWords.Length)])) + marker(label, r);
                split[r.ToString(CultureInfo.InvariantCulture)] = new { data = new { text }, label, weak_labels = Array.Empty<int>() };
            }

            File.WriteAllText(Path.Combine(Root, "data", name + ".json"), JsonSerializer.Serialize(split));
        }
    }

    public string Root { get; }

    public static int ClassOf(int row) => (row % 20) switch { 0 => 2, >= 1 and <= 3 => 1, _ => 0 };

    /// <summary>Writes a program a person wrote: <c>Label(string text) =&gt; body</c>.</summary>
    public void AddPersonProgram(string name, string body) =>
        File.WriteAllText(Path.Combine(Root, "programs", name + ".cs"), $"// alchemist-program: {name}\n// author: person tester\n\npublic static int Label(string text) => {body};\n");

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
