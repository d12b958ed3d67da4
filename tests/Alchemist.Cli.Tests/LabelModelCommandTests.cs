using System.Diagnostics;
using System.Text.Json;
using Alchemist.LabelModels;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Cli.Tests;

/// <summary>
/// <c>alchemist labelmodel</c> run as its own process (stdout must hold exactly one JSON object, errors must be one line
/// on stderr with exit code 1), so these tests never touch this process's console.
/// </summary>
public sealed class LabelModelCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("alchemist-labelmodel-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// A WRENCH folder whose three programs always agree with gold on test (so every model must score 1.0 there) and
    /// whose train and valid rows carry the same pattern of votes.
    /// </summary>
    private string TinyWrench()
    {
        var folder = Path.Combine(_folder, "tiny");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "label.json"), """{"0": "neg", "1": "pos"}""");
        foreach (var (split, rows) in new[] { ("train", 40), ("valid", 20), ("test", 10) })
        {
            var lines = Enumerable.Range(0, rows).Select(i =>
            {
                var y = i % 2;
                var third = i % 5 == 0 ? -1 : y;
                return $"\"{i}\": {{\"data\": {{\"text\": \"row {i}\"}}, \"label\": {y}, \"weak_labels\": [{y}, {y}, {third}]}}";
            });
            File.WriteAllText(Path.Combine(folder, split + ".json"), "{\n" + string.Join(",\n", lines) + "\n}\n");
        }

        return folder;
    }

    private static (int Code, string Out, string Error) Alchemist(params string[] args) => AlchemistWith(null, args);

    private static (int Code, string Out, string Error) AlchemistWith(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var cli = typeof(Cli.Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    [Fact]
    public void Eval_json_is_one_object_with_every_model_and_auto()
    {
        var (code, stdout, stderr) = Alchemist("labelmodel", "eval", "--data", TinyWrench(), "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("tiny", root.GetProperty("dataset").GetString());
        var models = root.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(["mv", "wmv", "ds", "ds-votes", "metal", "fs"], models.Select(m => m.GetProperty("name").GetString()));
        Assert.All(models, m => Assert.Equal(1.0, m.GetProperty("accuracy").GetDouble()));
        Assert.All(models, m => Assert.Equal(1.0, m.GetProperty("f1_class1").GetDouble()));
        Assert.All(models, m => Assert.True(m.GetProperty("fit_seconds").GetDouble() >= 0));
        var auto = root.GetProperty("auto");
        Assert.Contains(auto.GetProperty("chosen").GetString(), models.Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(1.0, auto.GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public void Analyze_at_80_columns_keeps_each_program_on_one_line_within_80_characters()
    {
        var trec = SharedFolder.Dataset("trec");
        var (code, stdout, stderr) = AlchemistWith(new Dictionary<string, string> { ["COLUMNS"] = "80", ["NO_COLOR"] = "1" }, "labelmodel", "analyze", trec, "--split", "valid");

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.True(line.Length <= 80, $"{line.Length} characters: {line}"));
        Assert.DoesNotContain("\u001b[", stdout, StringComparison.Ordinal);
        var header = Array.FindIndex(lines, line => line.StartsWith("program ", StringComparison.Ordinal));
        Assert.True(header >= 0, stdout);
        Assert.Matches(@"^program\s+class\s+cov\s+ovl\s+confl\s+right\s+wrong\s+acc\s+est\s*$", lines[header]);

        // trec's WRENCH weak labels: 68 programs, each on one row.
        var rows = lines.Skip(header + 1).TakeWhile(line => !line.StartsWith("all programs", StringComparison.Ordinal)).ToArray();
        Assert.Equal(68, rows.Length);
        // Name, the classes it votes for (none when it never votes on valid), coverage, overlaps, conflicts, right, wrong, acc, est.
        Assert.All(rows, row => Assert.Matches(@"^lf\d+\s+([A-Z]+(, [A-Z]+)*\s+)?(\d\.\d{3}\s+){3}\d+\s+\d+\s+(\d\.\d{3}|-)\s+(\d\.\d{3}|-)\s*$", row));
    }

    [Fact]
    public void Eval_table_names_the_data_and_each_model()
    {
        var (code, stdout, _) = Alchemist("labelmodel", "eval", "--data", TinyWrench(), "--model", "mv");

        Assert.Equal(0, code);
        Assert.Contains("tiny: fit on 40 train rows x 3 programs", stdout);
        Assert.Contains("1.000", stdout);
        Assert.DoesNotContain("metal", stdout);
    }

    [Fact]
    public void Analyze_json_gives_the_known_per_program_numbers()
    {
        var (code, stdout, stderr) = Alchemist("labelmodel", "analyze", "--data", TinyWrench(), "--split", "test", "--model", "mv", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var programs = json.RootElement.GetProperty("programs").EnumerateArray().ToList();
        Assert.Equal(3, programs.Count);
        Assert.Equal(1.0, programs[0].GetProperty("coverage").GetDouble());
        Assert.Equal(0.8, programs[2].GetProperty("coverage").GetDouble(), 9);
        Assert.Equal(0.0, programs[0].GetProperty("conflicts").GetDouble());
        Assert.Equal(10, programs[0].GetProperty("correct").GetInt64());
        Assert.Equal(["neg", "pos"], programs[1].GetProperty("polarity").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(JsonValueKind.Number, programs[2].GetProperty("estimated_accuracy").ValueKind);
    }

    [Fact]
    public void Broken_data_is_one_line_on_stderr_with_exit_code_1()
    {
        var folder = TinyWrench();
        File.WriteAllText(Path.Combine(folder, "test.json"), "{\n\"0\": {\"data\": {\"text\": \"x\"}, \"label\": 9, \"weak_labels\": [0, 0, 0]}\n}\n");

        var broken = Alchemist("labelmodel", "eval", "--data", folder);
        var missing = Alchemist("labelmodel", "analyze", "--data", Path.Combine(_folder, "nowhere"));

        Assert.Equal(1, broken.Code);
        Assert.Contains("test.json: line 2, row '0', field 'label'", broken.Error);
        Assert.DoesNotContain("   at ", broken.Error);
        Assert.Equal(1, missing.Code);
        Assert.Contains("nowhere: not found", missing.Error);
    }

    [Fact]
    public void Youtube_eval_scores_every_model_on_the_shared_benchmark()
    {
        var (code, stdout, stderr) = Alchemist("labelmodel", "eval", "--data", SharedFolder.Dataset("youtube"), "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var models = json.RootElement.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(LabelModelCatalog.Names.Count, models.Count);
        Assert.All(models, m => Assert.InRange(m.GetProperty("accuracy").GetDouble(), 0.5, 1.0));
        Assert.InRange(json.RootElement.GetProperty("auto").GetProperty("accuracy").GetDouble(), 0.5, 1.0);
    }
}
