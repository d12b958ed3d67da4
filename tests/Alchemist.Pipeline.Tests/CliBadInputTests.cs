using Alchemist.Spec;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>These tests swap the process's standard output and error to read what a command printed.</summary>
[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;

/// <summary>
/// The command line given the bad input a user meets: each problem is a clear error (exit code 1, no stack trace) that
/// names the file, line, field or option, and a failed command leaves nothing behind that blocks the corrected retry.
/// </summary>
[Collection(nameof(ConsoleCapture))]
public sealed class CliBadInputTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "alchemist-badinput-" + Guid.NewGuid().ToString("N"));

    public CliBadInputTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Init_that_fails_on_a_row_leaves_no_spec_behind_so_the_corrected_init_succeeds()
    {
        var rows = Comments(40);
        rows[10] = "\"comment number 9\",maybe";
        var data = Write("comments.csv", ["body,tag", .. rows]);
        var project = Path.Combine(_root, "project");

        var failed = Invoke("init", project, "--data", data, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam");

        Assert.Equal(1, failed.Code);
        Assert.Contains($"{data}: line 12", failed.Error, StringComparison.Ordinal);
        Assert.Contains("'maybe' is not a class", failed.Error, StringComparison.Ordinal);
        AssertNoStackTrace(failed);
        Assert.False(File.Exists(Path.Combine(project, TaskSpec.FileName)), "a failed init must not leave a spec that blocks the next init");

        File.WriteAllLines(data, ["body,tag", .. Comments(40)]);
        Assert.Equal(0, Invoke("init", project, "--data", data, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam").Code);
        Assert.True(File.Exists(Path.Combine(project, TaskSpec.FileName)));
    }

    [Fact]
    public void Init_names_the_option_that_is_wrong_not_a_line_of_a_spec_the_user_never_wrote()
    {
        var data = Write("comments.csv", ["body,tag", .. Comments(40)]);
        var project = Path.Combine(_root, "project");

        var twice = Invoke("init", project, "--data", data, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam,Ham");
        Assert.Equal(1, twice.Code);
        Assert.Contains("--classes", twice.Error, StringComparison.Ordinal);
        Assert.Contains("'Ham'", twice.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(TaskSpec.FileName, twice.Error, StringComparison.Ordinal);

        var format = Invoke("init", project, "--data", data, "--format", "xml", "--text-field", "body", "--classes", "ham,spam");
        Assert.Equal(1, format.Code);
        Assert.Contains("--format", format.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(TaskSpec.FileName, format.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(project, TaskSpec.FileName)));
    }

    [Fact]
    public void Init_on_a_csv_with_a_header_and_no_rows_says_the_file_has_no_rows()
    {
        var data = Write("empty.csv", ["body,tag"]);

        var result = Invoke("init", Path.Combine(_root, "project"), "--data", data, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam");

        Assert.Equal(1, result.Code);
        Assert.Contains(data, result.Error, StringComparison.Ordinal);
        Assert.Contains("no rows", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_on_a_file_too_small_to_give_valid_rows_says_so_instead_of_a_stack_trace()
    {
        var data = Write("two.csv", ["body,tag", "\"hello there\",ham", "\"buy now\",spam"]);
        var project = Path.Combine(_root, "project");
        Assert.Equal(0, Invoke("init", project, "--data", data, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam").Code);

        var result = Invoke("run", project);

        Assert.Equal(1, result.Code);
        Assert.Contains("valid", result.Error, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void A_test_file_without_the_label_column_reads_as_unlabeled_rows()
    {
        var train = Write("train.csv", ["body,tag", .. Comments(30)]);
        var valid = Write("valid.csv", ["body,tag", .. Comments(20)]);
        var test = Write("test.csv", ["body", .. Enumerable.Range(0, 10).Select(i => $"\"new comment {i}\"")]);
        var project = Path.Combine(_root, "project");

        var result = Invoke("init", project, "--data", train, "--valid", valid, "--test", test, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam");

        Assert.True(result.Code == 0, result.Error);
        var dataset = SpecData.LoadDataset(SpecReader.Load(project));
        Assert.Equal(10, dataset.Test!.Count);
        Assert.False(dataset.Test.Rows.HasAnyGold);
        Assert.True(dataset.Valid!.Rows.HasAnyGold);
    }

    [Fact]
    public void A_label_field_that_no_file_has_is_an_error_naming_it()
    {
        var data = Write("comments.csv", ["body,tag", .. Comments(40)]);

        var result = Invoke("init", Path.Combine(_root, "project"), "--data", data, "--text-field", "body", "--label-field", "label", "--classes", "ham,spam");

        Assert.Equal(1, result.Code);
        Assert.Contains("'label'", result.Error, StringComparison.Ordinal);
        Assert.Contains(data, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Commands_on_a_project_folder_that_does_not_exist_say_the_folder_is_missing()
    {
        var missing = Path.Combine(_root, "no-such-project");
        var data = Write("comments.csv", ["body", "hello"]);
        foreach (var args in new[] { new[] { "run", missing }, ["apply", missing], ["predict", missing, data] })
        {
            var result = Invoke(args);
            Assert.Equal(1, result.Code);
            Assert.Contains($"{missing}: no such project folder", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Jsonl_with_a_broken_line_names_the_line_without_the_parsers_zero_based_position()
    {
        var data = Write("comments.jsonl", ["{\"body\":\"hello\",\"tag\":\"ham\"}", "{\"body\":\"buy now\",\"tag\":\"spam\"}", "{\"body\":\"cut off", "{\"body\":\"fine\",\"tag\":\"ham\"}"]);

        var result = Invoke("init", Path.Combine(_root, "project"), "--data", data, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam");

        Assert.Equal(1, result.Code);
        Assert.Contains($"{data}: line 3: not valid JSON", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber: 0", result.Error, StringComparison.Ordinal);
    }

    private static void AssertNoStackTrace((int Code, string Output, string Error) result)
    {
        Assert.DoesNotContain("Unhandled exception", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    private static string[] Comments(int count) =>
        [.. Enumerable.Range(0, count).Select(i => i % 2 == 0 ? $"\"check out my channel {i}\",spam" : $"\"great song, number {i}\",ham")];

    private string Write(string name, string[] lines)
    {
        var path = Path.Combine(_root, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static (int Code, string Output, string Error) Invoke(params string[] args)
    {
        var (output, error) = (Console.Out, Console.Error);
        using var capturedOutput = new StringWriter();
        using var capturedError = new StringWriter();
        Console.SetOut(capturedOutput);
        Console.SetError(capturedError);
        try
        {
            var code = Alchemist.Cli.Program.Main(args);
            return (code, capturedOutput.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }
    }
}
