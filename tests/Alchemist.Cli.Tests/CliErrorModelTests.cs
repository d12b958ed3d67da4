using System.Text.Json;
using Alchemist.Spec;
using Xunit;

namespace Alchemist.Cli.Tests;

/// <summary>
/// Every command's errors go through one place (<see cref="Cli.Program"/>): a usage error exits 2, a user error exits 1 with its
/// message alone (under --json also as a JSON object with file, line and key), and the exit codes are the documented ones.
/// </summary>
[Collection(nameof(ConsoleCapture))]
public sealed class CliErrorModelTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-errors-" + Guid.NewGuid().ToString("N"));

    public CliErrorModelTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_usage_error_exits_2_and_points_at_the_help()
    {
        var missing = CliBadInputTests.Invoke("run");
        Assert.Equal(Cli.Program.UsageError, missing.Code);
        Assert.Contains("see 'alchemist run --help'", missing.Error, StringComparison.Ordinal);

        var unknown = CliBadInputTests.Invoke("labelmodel", "eval", "--data", _root, "--model", "nonsense");
        Assert.Equal(2, unknown.Code);

        var neither = CliBadInputTests.Invoke("labelmodel", "eval");
        Assert.Equal(2, neither.Code);
        Assert.Contains("see 'alchemist labelmodel eval --help'", neither.Error, StringComparison.Ordinal);
        Assert.Equal(2, CliBadInputTests.Invoke("labelmodel", "eval", _root, "--data", _root).Code);
    }

    [Fact]
    public void Labelmodel_takes_the_project_as_its_argument_like_every_other_command()
    {
        var sms = Alchemist.Tests.SharedFolder.Dataset("sms");
        var byArgument = CliBadInputTests.Invoke("labelmodel", "eval", sms, "--model", "mv");
        var byOption = CliBadInputTests.Invoke("labelmodel", "eval", "--data", sms, "--model", "mv");
        Assert.Equal(0, byArgument.Code);

        // The table's mv row: accuracy and macro-F1 on sms test (valid class balance), the same either way.
        static string Figures(string table) =>
            System.Text.RegularExpressions.Regex.Match(table, @"│ mv\s+│\s+([0-9.]+)\s+│\s+([0-9.]+)\s+│").Groups is var g ? $"{g[1].Value} {g[2].Value}" : "";

        Assert.Equal("0.846 0.505", Figures(byArgument.Output));
        Assert.Equal(Figures(byOption.Output), Figures(byArgument.Output));
    }

    [Fact]
    public void A_spec_error_under_json_is_a_json_object_naming_file_line_and_key_and_exits_1()
    {
        var project = Path.Combine(_root, "project");
        Directory.CreateDirectory(project);
        var spec = Path.Combine(project, TaskSpec.FileName);
        File.WriteAllText(spec, "name: broken\ndescription: d\ninputs:\n- name: text\nclasses:\n- name: a\n- name: b\ndata:\n  format: wrench\n  train: t.json\nllm:\n  provider: carrier-pigeon\n");

        var result = CliBadInputTests.Invoke("run", project, "--json");

        Assert.Equal(Cli.Program.Failed, result.Code);
        using var json = JsonDocument.Parse(result.Output);
        var error = json.RootElement;
        Assert.Equal("run", error.GetProperty("command").GetString());
        Assert.Equal(spec, error.GetProperty("file").GetString());
        Assert.Equal(12, error.GetProperty("line").GetInt64());
        Assert.Equal("llm.provider", error.GetProperty("key").GetString());
        Assert.Contains("carrier-pigeon", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("run failed: " + spec + ":12: llm.provider: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Quiet_prints_the_summary_and_no_progress()
    {
        var project = Alchemist.Tests.ExampleProject.CopyTo(Path.Combine(_root, "quiet"));

        var quiet = CliBadInputTests.Invoke("run", project, "--quiet");

        Assert.Equal(0, quiet.Code);
        Assert.StartsWith("Run finished.", quiet.Output, StringComparison.Ordinal);
        Assert.Equal("", quiet.Error);
        var loud = CliBadInputTests.Invoke("run", project);
        Assert.Contains("nothing changed since the last run", loud.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_user_error_type_derives_from_the_one_the_command_line_reports()
    {
        Assert.True(typeof(UserError).IsAssignableFrom(typeof(SpecException)));
        Assert.True(typeof(UserError).IsAssignableFrom(typeof(Data.DataFormatException)));
        Assert.True(typeof(UserError).IsAssignableFrom(typeof(Synthesis.SynthesisException)));
    }
}
