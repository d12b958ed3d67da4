using System.Text.Json;
using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Programs.Apply;
using Alchemist.Spec;
using Xunit;

namespace Alchemist.Programs.Tests.Apply;

/// <summary>
/// <c>data.max_field_chars</c> and <c>data.oversized_fields</c> through <c>alchemist apply</c>: programs see values cut to the
/// limit (or abstain on a rejected row), and the apply counts the values and names their rows, also when every column
/// comes from the cache.
/// </summary>
public sealed class FieldLimitApplyTests
{
    private const int Limit = 300;

    // Rows 5 and 20 of train are longer than the limit: 1,000 and 5,000 characters.
    private static readonly string[] Train = [.. Enumerable.Range(0, 40).Select(r => r switch
    {
        5 => string.Concat(Enumerable.Repeat("subscribe to my channel ", 42))[..1000],
        20 => new string('!', 5000),
        _ => r % 3 == 0 ? $"great song number {r}" : $"check out my channel at www.example.com/{r} please, it has the best videos of all",
    })];

    private static readonly string[] Valid = ["love this song", "subscribe to my channel", "nice", "www.spam.com check out"];

    private static readonly (string Name, string Source, Func<string, int> Native)[] Programs =
    [
        ApplyTestKit.Benign[1], // keywords
        ApplyTestKit.Benign[3], // exclamations
        ("over_limit", """
            public static class Program
            {
                public static int Label(string text) => text.Length > 300 ? 1 : text.Length == 300 ? 0 : -1;
            }
            """, text => text.Length > 300 ? 1 : text.Length == 300 ? 0 : -1),
    ];

    [Fact]
    public void Values_over_the_limit_are_truncated_and_counted_with_their_rows_also_from_the_cache()
    {
        var spec = Project(OversizedFieldPolicy.Truncate);
        var options = ProjectApply.OptionsFor(spec, IsolationMode.None);

        var first = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);
        var again = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);

        Assert.Equal(Programs.Length, first.ProgramsInMatrix.Count);
        Assert.All(again.Splits, s => Assert.Equal(Programs.Length, s.CacheHits));
        foreach (var result in new[] { first, again })
        {
            var train = result.Splits.Single(s => s.Split == SplitName.Train);
            var oversized = Assert.IsType<OversizedFields>(train.Oversized);
            Assert.Equal((2, 2), (oversized.Values, oversized.Rows));
            Assert.Equal(
                [new OversizedValue(5, "t5", "text", 1000), new OversizedValue(20, "t20", "text", 5000)],
                oversized.First);
            Assert.Null(result.Splits.Single(s => s.Split == SplitName.Valid).Oversized);
            Assert.Equal(
                ["train: 2 text values longer than data.max_field_chars (300 characters) were truncated to it (data.oversized_fields: truncate): "
                    + "row 5 (id 't5', field text, 1,000 characters); row 20 (id 't20', field text, 5,000 characters)"],
                result.RowWarnings());

            // Every program voted on the values as cut: the 1,000 and 5,000 characters arrive as exactly 300.
            var cut = Train.Select(t => t.Length > Limit ? t[..Limit] : t).ToArray();
            for (var j = 0; j < Programs.Length; j++)
            {
                Assert.Equal(ApplyTestKit.Native(Programs[j].Native, cut), Column(train, Programs[j].Name));
            }

            Assert.Equal(0, Column(train, "over_limit")[5]); // 300 characters: not over the limit any more
            Assert.Equal(1, Column(train, "exclamations")[20]); // 300 exclamation marks still vote spam

            using var json = JsonDocument.Parse(result.ToJson());
            var shown = json.RootElement.GetProperty("splits")[0].GetProperty("oversized_fields");
            Assert.Equal(2, shown.GetProperty("values").GetInt32());
            Assert.Equal("truncate", shown.GetProperty("policy").GetString());
            Assert.Equal("t20", shown.GetProperty("first")[1].GetProperty("id").GetString());
        }
    }

    [Fact]
    public void A_rejected_row_abstains_for_every_program_and_the_row_order_check_agrees()
    {
        var spec = Project(OversizedFieldPolicy.Reject);
        var options = ProjectApply.OptionsFor(spec, IsolationMode.None) with { CacheDirectory = null, CheckRowOrder = true };

        var result = ProjectApply.Run(spec, options, cancel: TestContext.Current.CancellationToken);

        var train = result.Splits.Single(s => s.Split == SplitName.Train);
        Assert.All(train.Programs, p => Assert.Equal(ProgramStatus.Ok, p.Status));
        Assert.Equal(Programs.Length, train.ProgramsOrderChecked);
        for (var j = 0; j < Programs.Length; j++)
        {
            var expected = ApplyTestKit.Native(Programs[j].Native, Train);
            expected[5] = expected[20] = LabelMatrix.Abstain;
            Assert.Equal(expected, Column(train, Programs[j].Name));
        }

        var oversized = Assert.IsType<OversizedFields>(train.Oversized);
        Assert.Equal((2, 2, OversizedFieldPolicy.Reject), (oversized.Values, oversized.Rows, oversized.Limit.Policy));
        Assert.Equal(
            "train: 2 text values longer than data.max_field_chars (300 characters) in 2 rows, rejected (data.oversized_fields: reject): every program abstains on them: "
                + "row 5 (id 't5', field text, 1,000 characters); row 20 (id 't20', field text, 5,000 characters)",
            Assert.Single(result.RowWarnings()));
    }

    private static sbyte[] Column(SplitApplyResult split, string program) =>
        split.Matrix.Column(split.Matrix.ProgramNames.ToList().IndexOf(program)).ToArray();

    /// <summary>A JSON lines project with <see cref="Train"/> and <see cref="Valid"/>, the limit, and the programs as files.</summary>
    private static TaskSpec Project(OversizedFieldPolicy policy)
    {
        var project = ApplyTestKit.TemporaryFolder();
        static string Lines(string prefix, string[] texts) =>
            string.Join('\n', texts.Select((t, r) => JsonSerializer.Serialize(new { id = $"{prefix}{r}", text = t, label = r % 2 == 0 ? "HAM" : "SPAM" }))) + "\n";
        File.WriteAllText(Path.Combine(project, "train.jsonl"), Lines("t", Train));
        File.WriteAllText(Path.Combine(project, "valid.jsonl"), Lines("v", Valid));
        File.WriteAllText(Path.Combine(project, TaskSpec.FileName), $"""
            name: limits
            description: spam or not
            inputs: [{"{"}name: text{"}"}]
            classes: [HAM, SPAM]
            data:
              format: jsonl
              train: train.jsonl
              valid: valid.jsonl
              label_field: label
              id_field: id
              max_field_chars: {Limit}
              oversized_fields: {policy.ToString().ToLowerInvariant()}
            """);
        var programs = Path.Combine(project, ProjectApply.ProgramsFolder);
        Directory.CreateDirectory(programs);
        foreach (var (name, source, _) in Programs)
        {
            File.WriteAllText(Path.Combine(programs, name + ".cs"), source);
        }

        return SpecReader.Load(project);
    }
}
