using System.Text.Json;
using Alchemist.Cli.Pipeline;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// The LLM follow-up for a class no program votes for, through a whole run with the exchange provider (a person pastes the
/// replies): the first run asks, warns that the reply is awaited and still writes its labels; once the reply is pasted the
/// next run checks and writes the program, applies it, and the class is covered; the call is in the ledger once.
/// </summary>
public sealed class FollowUpRunTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-followup-" + Guid.NewGuid().ToString("N"));

    public FollowUpRunTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "data"));
        Directory.CreateDirectory(Path.Combine(_root, "programs"));
        File.WriteAllText(Path.Combine(_root, "alchemist.yaml"), """
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
            synthesis:
              follow_up_calls: 1
            llm:
              provider: exchange
              model: claude-sonnet-4-5
            """);
        WriteSplit("train", 400, seed: 1);
        WriteSplit("valid", 200, seed: 2);
        WriteSplit("test", 200, seed: 3);
        File.WriteAllText(Path.Combine(_root, "programs", "polite-is-routine.cs"), """
            // alchemist-program: polite-is-routine
            // author: person tester

            public static int Label(string text) => text.Contains("please") ? 0 : -1;
            """);
        File.WriteAllText(Path.Combine(_root, "programs", "outage-is-urgent.cs"), """
            // alchemist-program: outage-is-urgent
            // author: person tester

            public static int Label(string text) => text.Contains("outage") ? 1 : -1;
            """);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Row r is spam when r % 20 is 0 (it says "winner"), urgent when 1..3 (it says "outage"), routine otherwise (half say "please").</summary>
    private void WriteSplit(string name, int rows, int seed)
    {
        var random = new Random(seed);
        string[] words = ["invoice", "address", "update", "account", "order", "today"];
        var split = new Dictionary<string, object>();
        for (var r = 0; r < rows; r++)
        {
            var label = (r % 20) switch { 0 => 2, >= 1 and <= 3 => 1, _ => 0 };
            var marker = label switch { 2 => " winner", 1 => " outage", _ => r % 2 == 0 ? " please" : "" };
            var text = string.Join(' ', Enumerable.Range(0, 3).Select(_ => words[random.Next(words.Length)])) + marker;
            split[r.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new { data = new { text }, label, weak_labels = Array.Empty<int>() };
        }

        File.WriteAllText(Path.Combine(_root, "data", name + ".json"), JsonSerializer.Serialize(split));
    }

    [Fact]
    public void A_class_without_a_program_gets_one_follow_up_call_whose_program_is_checked_written_and_applied()
    {
        var first = new RunPipeline(new StringWriter()).Run(_root);
        Assert.Contains(first.Warnings, w => w.StartsWith("no program votes for spam", StringComparison.Ordinal));
        var pending = Assert.Single(first.Warnings, w => w.StartsWith("the follow-up followup-spam waits for its reply in ", StringComparison.Ordinal));
        var exchange = Path.Combine(_root, ".alchemist", "exchange");
        var prompt = Assert.Single(Directory.GetFiles(exchange, "followup-spam.*.prompt.md"));
        var promptText = File.ReadAllText(prompt);
        Assert.Contains("do not label spam well: no program votes spam, the class of 10 of the 200 labeled valid rows (5%)", promptText, StringComparison.Ordinal);
        Assert.Contains("return 2 where the input clearly is spam", promptText, StringComparison.Ordinal);
        Assert.DoesNotContain("example 1", promptText, StringComparison.Ordinal); // rows_in_prompts is off: no valid rows leave
        Assert.True(File.Exists(Path.Combine(_root, first.LabelsCsv)), "the run still writes its labels while the reply is awaited");

        File.WriteAllText(prompt.Replace(".prompt.md", ".reply.md", StringComparison.Ordinal),
            "Here it is:\n```csharp\npublic static int Label(string text) => text.Contains(\"winner\") ? 2 : -1;\n```\n");
        var log = new StringWriter();
        var second = new RunPipeline(log).Run(_root);

        Assert.False(second.Reused, "a run that waited for a follow-up reply is not reused");
        var program = File.ReadAllText(Path.Combine(_root, "programs", "followup-spam.cs"));
        Assert.Contains("// author: llm exchange/claude-sonnet-4-5", program, StringComparison.Ordinal);
        Assert.Contains("// synthesis: follow-up, because no program votes spam", program, StringComparison.Ordinal);
        Assert.Equal(3, second.Programs);
        Assert.DoesNotContain(second.Warnings, w => w.Contains("spam", StringComparison.Ordinal));
        Assert.Equal(1.0, second.FinalTestPerClass.Single(c => c.Class == "spam").Recall);
        Assert.Single(File.ReadAllLines(Path.Combine(_root, ".alchemist", "ledger.jsonl")), line => line.Contains("followup-spam", StringComparison.Ordinal));

        var third = new RunPipeline(new StringWriter()).Run(_root);
        Assert.True(third.Reused, "with the class covered nothing is asked and the run is reused");
    }
}
