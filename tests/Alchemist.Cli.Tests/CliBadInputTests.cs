using Alchemist.Pipeline;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Cli.Tests;

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

        var failed = InitComments(project, "--data", data);

        Assert.Equal(1, failed.Code);
        Assert.Contains($"{data}: line 12", failed.Error, StringComparison.Ordinal);
        Assert.Contains("'maybe' is not a class", failed.Error, StringComparison.Ordinal);
        AssertNoStackTrace(failed);
        Assert.False(File.Exists(Path.Combine(project, TaskSpec.FileName)), "a failed init must not leave a spec that blocks the next init");

        File.WriteAllLines(data, ["body,tag", .. Comments(40)]);
        Assert.Equal(0, InitComments(project, "--data", data).Code);
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
        Assert.False(Directory.Exists(project), "a failed init left the project folder it made");

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

        var result = InitComments(Path.Combine(_root, "project"), "--data", data);

        Assert.Equal(1, result.Code);
        Assert.Contains(data, result.Error, StringComparison.Ordinal);
        Assert.Contains("no rows", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_on_a_file_too_small_to_give_valid_rows_says_so_instead_of_a_stack_trace()
    {
        var data = Write("two.csv", ["body,tag", "\"hello there\",ham", "\"buy now\",spam"]);
        var project = Path.Combine(_root, "project");
        Assert.Equal(0, InitComments(project, "--data", data).Code);

        var result = Invoke("run", project);

        Assert.Equal(1, result.Code);
        Assert.Contains("valid", result.Error, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void Invalid_utf8_fails_the_run_naming_the_line_and_with_invalid_utf8_replace_the_run_counts_the_lines_in_its_warnings()
    {
        var lines = Comments(400);
        var data = Path.Combine(_root, "comments.csv");
        var bytes = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', ["body,tag", .. lines[..100]]) + "\n").ToList();
        bytes.AddRange([(byte)'"', (byte)'b', 0xFF, (byte)'d', (byte)'"', (byte)',', (byte)'h', (byte)'a', (byte)'m', (byte)'\n']);
        bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines[100..]) + "\n"));
        File.WriteAllBytes(data, [.. bytes]);
        var project = Path.Combine(_root, "project");

        // init reads the data once, so the strict reading stops it there, naming line 102 (the header is line 1).
        var strict = InitComments(project, "--data", data);
        Assert.Equal(1, strict.Code);
        Assert.Contains(data, strict.Error, StringComparison.Ordinal);
        Assert.Contains("102", strict.Error, StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8", strict.Error, StringComparison.Ordinal);

        var spec = Alchemist.Spec.SpecReader.Parse($"name: p\ndescription: d\ninputs: [{{name: body}}]\nclasses: [ham, spam]\ndata: {{file: {data}, label_field: tag, invalid_utf8: replace}}\n", "alchemist.yaml", project);
        Directory.CreateDirectory(project);
        Alchemist.Spec.SpecWriter.Save(spec, project);
        var result = Invoke("run", project, "--json");

        Assert.True(result.Code == 0, result.Error);
        using var summary = System.Text.Json.JsonDocument.Parse(result.Output);
        var warnings = summary.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToArray();
        Assert.Contains($"{data}: 1 line held invalid UTF-8, read with U+FFFD in its place (data.invalid_utf8: replace), the first at line 102", warnings);
    }

    [Fact]
    public void A_test_file_without_the_label_column_reads_as_unlabeled_rows()
    {
        var train = Write("train.csv", ["body,tag", .. Comments(30)]);
        var valid = Write("valid.csv", ["body,tag", .. Comments(20)]);
        var test = Write("test.csv", ["body", .. Enumerable.Range(0, 10).Select(i => $"\"new comment {i}\"")]);
        var project = Path.Combine(_root, "project");

        var result = InitComments(project, "--data", train, "--valid", valid, "--test", test);

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

        var result = InitComments(Path.Combine(_root, "project"), "--data", data);

        Assert.Equal(1, result.Code);
        Assert.Contains($"{data}: line 3: not valid JSON", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber: 0", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_takes_a_wrench_folder_for_its_train_json()
    {
        var folder = Path.Combine(SharedFolder.RepositoryRoot, "examples", "youtube-spam", "data");
        var project = Path.Combine(_root, "project");

        var result = Invoke("init", project, "--data", folder);

        Assert.True(result.Code == 0, result.Error);
        var spec = SpecReader.Load(project);
        Assert.Equal("wrench", spec.Data.Format);
        Assert.EndsWith("train.json", spec.Data.Train, StringComparison.Ordinal);
        Assert.EndsWith("valid.json", spec.Data.Valid, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_on_wrench_data_names_classes_that_differ_from_its_label_json()
    {
        var labelJson = Path.Combine(SharedFolder.RepositoryRoot, "examples", "youtube-spam", "data", "label.json");

        var result = Invoke("init", Path.Combine(_root, "project"), "--data", Path.GetDirectoryName(labelJson)!, "--classes", "SPAM,HAM");

        Assert.Equal(1, result.Code);
        Assert.Contains($"--classes: SPAM, HAM differ from {labelJson}, which has HAM, SPAM", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_csv_header_that_names_a_column_twice_is_ambiguous_not_silently_the_first()
    {
        var data = Write("twice.csv", ["body,tag,Body", "\"hello\",ham,\"other\"", "\"buy now\",spam,\"x\""]);

        var result = InitComments(Path.Combine(_root, "project"), "--data", data);

        // Exact 'body' is one column; 'Body' only matches when case is ignored, so the exact match wins and this reads.
        Assert.True(result.Code == 0, result.Error);
        var exactTwice = Write("exact-twice.csv", ["body,tag,body", "\"hello\",ham,\"other\"", "\"buy now\",spam,\"x\""]);
        var ambiguous = InitComments(Path.Combine(_root, "project2"), "--data", exactTwice);
        Assert.Equal(1, ambiguous.Code);
        Assert.Contains($"{exactTwice}: line 1, field 'body': 2 columns of the header match this name (columns 1, 3)", ambiguous.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_csv_separated_by_semicolons_gets_a_hint_about_the_separator()
    {
        var data = Write("semicolons.csv", ["body;tag", "hello;ham", "buy now;spam"]);

        var result = InitComments(Path.Combine(_root, "project"), "--data", data);

        Assert.Equal(1, result.Code);
        Assert.Contains("separated by ';'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_rows_of_a_file_with_one_id_are_an_error_naming_the_id_not_two_label_rows_with_one_id()
    {
        var rows = Comments(40).Select((row, i) => $"r{i},{row}").ToArray();
        rows[30] = "r7," + rows[30].Split(',', 2)[1];
        var data = Write("comments.csv", ["id,body,tag", .. rows]);
        var project = Path.Combine(_root, "project");

        var result = InitComments(project, "--data", data, "--id-field", "id");

        Assert.Equal(1, result.Code);
        Assert.Contains($"{data}: field 'id': row id 'r7' is used twice", result.Error, StringComparison.Ordinal);

        rows[30] = "r30," + rows[30].Split(',', 2)[1];
        File.WriteAllLines(data, ["id,body,tag", .. rows]);
        Assert.Equal(0, InitComments(project, "--data", data, "--id-field", "id").Code);
        Assert.Equal("r7", SpecData.LoadDataset(SpecReader.Load(project)).Splits.SelectMany(s => s.Rows.RowIds).Single(id => id == "r7"));
    }

    [Fact]
    public void Init_into_a_path_that_is_a_file_says_so()
    {
        var data = Write("comments.csv", ["body,tag", .. Comments(40)]);
        var notAFolder = Write("project", ["some file"]);

        var result = InitComments(notAFolder, "--data", data);

        Assert.Equal(1, result.Code);
        Assert.Contains($"{notAFolder} is a file", result.Error, StringComparison.Ordinal);
        Assert.Equal(["some file"], File.ReadAllLines(notAFolder));
    }

    [Fact]
    public void A_spec_with_classes_on_one_line_or_a_folder_for_a_file_says_what_to_write_instead()
    {
        var (project, data) = InitCommentsProject();
        var yaml = Path.Combine(project, TaskSpec.FileName);
        var good = File.ReadAllText(yaml);

        File.WriteAllText(yaml, good.Replace("classes:\n- name: ham\n- name: spam\n", "classes: ham, spam\n", StringComparison.Ordinal));
        var oneLine = Invoke("run", project);
        Assert.Equal(1, oneLine.Code);
        Assert.Contains($"{yaml}:6: classes: 'ham, spam' is one class; list each class on its own line", oneLine.Error, StringComparison.Ordinal);

        File.WriteAllText(yaml, good.Replace("file: ../comments.csv", "file: ..", StringComparison.Ordinal));
        var folder = Invoke("run", project);
        Assert.Equal(1, folder.Code);
        Assert.Contains("data.file: " + _root + " is a folder", folder.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_program_file_with_a_malformed_header_is_rejected_with_its_line_and_the_other_programs_still_run()
    {
        var (project, _) = InitCommentsProject();
        var programs = Directory.CreateDirectory(Path.Combine(project, "programs")).FullName;
        var broken = Path.Combine(programs, "links.cs");
        File.WriteAllLines(broken, ["// alchemist-program: links", "// written by hand", "public static int Label(string body) => body.Contains(\"http\") ? 1 : -1;"]);
        File.WriteAllLines(Path.Combine(programs, "channel.cs"), ["public static int Label(string body) => body.Contains(\"channel\") ? 1 : -1;"]);

        var run = Invoke("run", project);
        Assert.True(run.Code == 0, run.Error);
        Assert.Contains($"program links rejected: {broken}: line 2: header line '// written by hand' is not '// key: value'", run.Error, StringComparison.Ordinal);
        Assert.Contains("channel", File.ReadAllText(Path.Combine(project, "out", "labels.csv")), StringComparison.Ordinal);

        var apply = Invoke("apply", project);
        Assert.True(apply.Code == 0, apply.Error);
        Assert.Contains("rejected", apply.Output, StringComparison.Ordinal);
        AssertNoStackTrace(apply);
    }

    [Fact]
    public void With_every_program_file_unreadable_run_stops_with_their_lines_and_no_stack_trace()
    {
        var (project, _) = InitCommentsProject();
        var program = Path.Combine(Directory.CreateDirectory(Path.Combine(project, "programs")).FullName, "links.cs");
        File.WriteAllLines(program, ["// alchemist-program: links", "// written by hand", "public static int Label(string body) => body.Contains(\"http\") ? 1 : -1;"]);

        var result = Invoke("run", project);
        Assert.Equal(1, result.Code);
        Assert.Contains($"program links rejected: {program}: line 2:", result.Error, StringComparison.Ordinal);
        Assert.Contains("run failed: no program could be applied", result.Error, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void Json_lines_saved_as_dot_json_are_read_when_the_format_says_jsonl()
    {
        var data = Write("comments.json", [.. Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? $"{{\"body\": \"check out my channel {i}\", \"tag\": \"spam\"}}" : $"{{\"body\": \"great song {i}\", \"tag\": \"ham\"}}")]);

        var result = InitComments(Path.Combine(_root, "project"), "--data", data, "--format", "jsonl");

        Assert.True(result.Code == 0, result.Error);
    }

    [Fact]
    public void A_valid_file_whose_label_column_is_named_differently_is_an_error_naming_it()
    {
        var train = Write("train.csv", ["body,tag", .. Comments(30)]);
        var valid = Write("valid.csv", ["body,label", .. Comments(10)]);
        var test = Write("test.csv", ["body,tag", .. Comments(10)]);

        var result = InitComments(Path.Combine(_root, "project"), "--data", train, "--valid", valid, "--test", test);

        Assert.Equal(1, result.Code);
        Assert.Contains($"{valid}", result.Error, StringComparison.Ordinal);
        Assert.Contains("field 'tag': no valid row has a label in this field", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_gold_of_a_single_class_is_an_error_rather_than_a_run_that_labels_everything_with_it()
    {
        var train = Write("train.csv", ["body,tag", .. Comments(30)]);
        var valid = Write("valid.csv", ["body,tag", .. Comments(20).Where(row => row.EndsWith(",ham", StringComparison.Ordinal))]);

        var result = InitComments(Path.Combine(_root, "project"), "--data", train, "--valid", valid);

        Assert.Equal(1, result.Code);
        Assert.Contains($"{valid}: every labeled valid row is 'ham'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_error_about_a_key_the_spec_leaves_out_points_at_the_line_of_its_section()
    {
        var (project, _) = InitCommentsProject();
        var yaml = EditSpec(project, "provider: offline", "provider: exchange");

        AssertRunFailsAt(project, yaml, "llm:", "llm.model: no model is set");
    }

    [Fact]
    public void Init_names_a_missing_or_differently_formatted_valid_or_test_file_by_its_option()
    {
        var train = Write("train.csv", ["body,tag", .. Comments(30)]);
        var jsonl = Write("valid.jsonl", ["{\"body\":\"great song\",\"tag\":\"ham\"}", "{\"body\":\"subscribe\",\"tag\":\"spam\"}"]);
        var missing = Path.Combine(_root, "no-such-test.csv");
        string[] Init(string option, string file) => ["init", Path.Combine(_root, "project"), "--data", train, option, file, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam"];

        var mixed = Invoke(Init("--valid", jsonl));
        Assert.Equal(1, mixed.Code);
        Assert.Contains($"--valid: {jsonl} is jsonl but --data {train} is csv", mixed.Error, StringComparison.Ordinal);

        var absent = Invoke(Init("--test", missing));
        Assert.Equal(1, absent.Code);
        Assert.Contains($"--test: file not found: {missing}", absent.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "project")));
    }

    [Fact]
    public void A_spec_whose_file_has_another_formats_extension_names_that_key()
    {
        var (project, _) = InitCommentsProject();
        Write("new.jsonl", ["{\"body\":\"great song\",\"tag\":\"ham\"}"]);
        var yaml = EditSpec(project, "file: ../comments.csv", "file: ../new.jsonl");

        AssertRunFailsAt(project, yaml, "  file: ../new.jsonl", "data.file: '../new.jsonl' looks like jsonl but data.format is csv");
    }

    [Fact]
    public void Init_with_two_fields_that_programs_would_read_as_one_names_them_and_leaves_nothing_behind()
    {
        var data = Write("scores.csv", ["body,score,Score,tag", .. Enumerable.Range(0, 40).Select(i => $"comment {i},0.{i % 10},0.{(i + 3) % 10},{(i % 2 == 0 ? "spam" : "ham")}")]);
        var project = Path.Combine(_root, "project");

        var init = Invoke("init", project, "--data", data, "--text-field", "body", "--number-field", "score", "Score", "--label-field", "tag", "--classes", "ham,spam");

        Assert.Equal(1, init.Code);
        Assert.Contains("fields 'score' and 'Score' would both be read as row.Score", init.Error, StringComparison.Ordinal);
        AssertNoStackTrace(init);
        Assert.False(File.Exists(Path.Combine(project, TaskSpec.FileName)));
    }

    [Fact]
    public void Run_offline_over_number_inputs_that_tell_the_classes_nothing_says_no_rule_was_found_and_what_to_do()
    {
        // The same two scores under both classes: no threshold is precise.
        var data = Write("scores.csv", ["cat_score,dog_score,animal", .. Enumerable.Range(0, 40).Select(i => $"0.{10 + (i % 5)},0.{50 + (i % 5)},{(i % 2 == 0 ? "cat" : "dog")}")]);
        var project = Path.Combine(_root, "project");
        var init = Invoke("init", project, "--data", data, "--number-field", "cat_score", "dog_score", "--label-field", "animal", "--classes", "cat,dog");
        Assert.True(init.Code == 0, init.Error);

        var run = Invoke("run", project);

        Assert.Equal(1, run.Code);
        Assert.Contains(TaskSpec.FileName, run.Error, StringComparison.Ordinal);
        Assert.Contains("found no rule precise enough on the", run.Error, StringComparison.Ordinal);
        Assert.Contains("configure an LLM", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("no programs in", run.Error, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    [Fact]
    public void Run_offline_where_valid_teaches_no_rule_says_so_instead_of_that_the_programs_folder_is_empty()
    {
        // Every comment reads the same under both labels: no rule is precise on the valid split.
        var data = Write("comments.csv", ["body,tag", .. Enumerable.Range(0, 40).Select(i => $"\"the same comment\",{(i % 2 == 0 ? "spam" : "ham")}")]);
        var project = Path.Combine(_root, "project");
        Assert.Equal(0, InitComments(project, "--data", data).Code);

        var run = Invoke("run", project);

        Assert.Equal(1, run.Code);
        Assert.Contains("data.valid", run.Error, StringComparison.Ordinal);
        Assert.Contains("found no rule precise enough on the", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("no programs in", run.Error, StringComparison.Ordinal);
        AssertNoStackTrace(run);
    }

    /// <summary>Replaces text in the project's alchemist.yaml, as a user editing it would, and returns the file's path.</summary>
    private static string EditSpec(string project, string from, string to)
    {
        var yaml = Path.Combine(project, TaskSpec.FileName);
        var text = File.ReadAllText(yaml);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(yaml, text.Replace(from, to, StringComparison.Ordinal));
        return yaml;
    }

    private static int LineOf(string file, string line) => Array.IndexOf(File.ReadAllLines(file), line) + 1;

    /// <summary>`run` fails, and its message points at the spec's line <paramref name="line"/> with <paramref name="message"/>.</summary>
    private static void AssertRunFailsAt(string project, string yaml, string line, string message)
    {
        var result = Invoke("run", project);
        Assert.Equal(1, result.Code);
        Assert.Contains($"{yaml}:{LineOf(yaml, line)}: {message}", result.Error, StringComparison.Ordinal);
    }

    /// <summary>A project over 40 labeled comments in one CSV (text 'body', label 'tag'), made by `init`.</summary>
    private (string Project, string Data) InitCommentsProject()
    {
        var data = Write("comments.csv", ["body,tag", .. Comments(40)]);
        var project = Path.Combine(_root, "project");
        var init = InitComments(project, "--data", data);
        Assert.True(init.Code == 0, init.Error);
        return (project, data);
    }

    /// <summary>`init` over comment files whose text is 'body' and label 'tag' (ham or spam); the options name the data.</summary>
    private static (int Code, string Output, string Error) InitComments(string project, params string[] dataOptions) =>
        Invoke(["init", project, .. dataOptions, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam"]);

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

    internal static (int Code, string Output, string Error) Invoke(params string[] args)
    {
        var (output, error) = (Console.Out, Console.Error);
        using var capturedOutput = new StringWriter();
        using var capturedError = new StringWriter();
        Console.SetOut(capturedOutput);
        Console.SetError(capturedError);
        try
        {
            var code = Alchemist.Cli.Program.Main(args);

            // A command must leave the console usable for whatever runs next in this process.
            Console.Out.Write(string.Empty);
            return (code, capturedOutput.ToString(), capturedError.ToString());
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }
    }
}

/// <summary>`predict` on files that differ from the project's data, after one run of a small CSV project.</summary>
[Collection(nameof(ConsoleCapture))]
public sealed class CliBadInputPredictTests(CliBadInputPredictTests.TrainedProject trained) : IClassFixture<CliBadInputPredictTests.TrainedProject>
{
    public sealed class TrainedProject : IDisposable
    {
        public TrainedProject()
        {
            Directory.CreateDirectory(Root);
            var data = Path.Combine(Root, "comments.csv");
            string[] spam = ["check out my channel", "subscribe to me please", "visit my website for free money", "click this link now"];
            string[] ham = ["great song, love it", "this video made my day", "the best music of the year", "amazing voice"];
            File.WriteAllLines(data, ["body,tag", .. Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? $"\"{spam[i / 2 % spam.Length]} {i}\",spam" : $"\"{ham[i / 2 % ham.Length]} {i}\",ham")]);
            Assert.Equal(0, Alchemist.Cli.Program.Main(["init", Project, "--data", data, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam"]));
            Assert.Equal(0, Alchemist.Cli.Program.Main(["run", Project, "--quiet"]));
        }

        public string Root { get; } = Path.Combine(Path.GetTempPath(), "alchemist-badinput-predict-" + Guid.NewGuid().ToString("N"));

        public string Project => Path.Combine(Root, "project");

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    [Fact]
    public void Predict_reads_a_wrench_file_that_has_no_label_json_beside_it()
    {
        var folder = Directory.CreateDirectory(Path.Combine(trained.Root, "wrench-" + Guid.NewGuid().ToString("N"))).FullName;
        var file = Path.Combine(folder, "new.json");
        File.WriteAllText(file, """{"a": {"data": {"body": "subscribe to my channel"}, "label": -1}, "b": {"data": {"body": "lovely song"}, "label": -1}}""");

        var result = CliBadInputTests.Invoke("predict", trained.Project, file);

        Assert.True(result.Code == 0, result.Error);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"id\":\"a\"", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_with_the_final_rule_after_a_program_changed_says_to_run_again_and_an_unknown_rule_is_a_usage_error()
    {
        var folder = Directory.CreateDirectory(Path.Combine(trained.Root, "rows-" + Guid.NewGuid().ToString("N"))).FullName;
        var csv = Path.Combine(folder, "new.csv");
        File.WriteAllLines(csv, ["body", "subscribe to my channel", "lovely song"]);

        var labeled = CliBadInputTests.Invoke("predict", trained.Project, csv, "--rule", "final", "--output-format", "csv");
        Assert.True(labeled.Code == 0, labeled.Error);
        Assert.Equal(["id,label,p_ham,p_spam", "0,spam", "1,ham"], labeled.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((l, i) => i == 0 ? l : string.Join(',', l.Split(',')[..2])));
        Assert.Equal(Program.UsageError, CliBadInputTests.Invoke("predict", trained.Project, csv, "--rule", "labels").Code);

        // The label model was fitted on the votes of the programs as they were; an edited program would not cast them.
        var program = Directory.GetFiles(Path.Combine(trained.Project, "programs"), "*.cs")[0];
        var original = File.ReadAllText(program);
        try
        {
            File.AppendAllText(program, "\n// edited\n");
            var stale = CliBadInputTests.Invoke("predict", trained.Project, csv, "--rule", "final");
            Assert.Equal(1, stale.Code);
            Assert.Contains("changed since the last run", stale.Error, StringComparison.Ordinal);
            Assert.Contains("run `alchemist run` first", stale.Error, StringComparison.Ordinal);
            Assert.Equal(0, CliBadInputTests.Invoke("predict", trained.Project, csv).Code);
        }
        finally
        {
            File.WriteAllText(program, original);
        }
    }

    [Fact]
    public void Predict_on_rows_without_the_projects_input_names_the_file_and_the_field()
    {
        var folder = Directory.CreateDirectory(Path.Combine(trained.Root, "wrench-" + Guid.NewGuid().ToString("N"))).FullName;
        var wrench = Path.Combine(folder, "new.json");
        File.WriteAllText(wrench, """{"a": {"data": {"text": "subscribe to my channel"}, "label": -1}}""");
        var csv = Path.Combine(folder, "new.csv");
        File.WriteAllLines(csv, ["id,text", "1,hello"]);

        foreach (var file in new[] { wrench, csv })
        {
            var result = CliBadInputTests.Invoke("predict", trained.Project, file);
            Assert.Equal(1, result.Code);
            Assert.Contains(file, result.Error, StringComparison.Ordinal);
            Assert.Contains("field 'body'", result.Error, StringComparison.Ordinal);
            Assert.Contains("'text'", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Predict_with_a_damaged_saved_model_names_the_model_folder_and_the_way_to_retrain()
    {
        var damaged = Path.Combine(trained.Root, "damaged-" + Guid.NewGuid().ToString("N"));
        var model = Path.Combine(damaged, RunPipeline.OutputFolder, "model");
        Directory.CreateDirectory(model);
        File.Copy(Path.Combine(trained.Project, TaskSpec.FileName), Path.Combine(damaged, TaskSpec.FileName));
        foreach (var file in Directory.GetFiles(Path.Combine(trained.Project, RunPipeline.OutputFolder, "model")))
        {
            File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        }

        var rows = Path.Combine(trained.Root, "rows-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllLines(rows, ["body", "subscribe to my channel"]);
        foreach (var file in Directory.GetFiles(model))
        {
            var whole = File.ReadAllBytes(file);
            File.WriteAllBytes(file, whole[..(whole.Length / 2)]);
            var result = CliBadInputTests.Invoke("predict", damaged, rows);
            Assert.Equal(1, result.Code);
            Assert.Contains($"predict failed: {model}: the saved end model cannot be read", result.Error, StringComparison.Ordinal);
            Assert.Contains("alchemist run --force", result.Error, StringComparison.Ordinal);
            File.WriteAllBytes(file, whole);
        }
    }

    [Fact]
    public void Predict_writes_its_output_into_a_folder_it_creates()
    {
        var rows = Path.Combine(trained.Root, "rows-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllLines(rows, ["body", "subscribe to my channel", "lovely song"]);
        var output = Path.Combine(trained.Root, "out-" + Guid.NewGuid().ToString("N"), "labels.jsonl");

        var result = CliBadInputTests.Invoke("predict", trained.Project, rows, "--output", output);

        Assert.True(result.Code == 0, result.Error);
        Assert.Equal(2, File.ReadAllLines(output).Length);
    }

    [Fact]
    public void Predict_streams_a_file_of_several_batches_to_the_labels_of_one_batch_as_csv_or_json_lines()
    {
        var rows = Path.Combine(trained.Root, "many-" + Guid.NewGuid().ToString("N") + ".csv");
        string[] texts = ["subscribe to my channel", "lovely song, \"so\" good", "free money, click", "amazing voice"];
        var count = (2 * Predictor.BatchRows) + 123;
        File.WriteAllLines(rows, ["body", .. Enumerable.Range(0, count).Select(i => $"\"{texts[i % texts.Length].Replace("\"", "\"\"", StringComparison.Ordinal)} {i % 7}\"")]);
        var spec = SpecReader.Load(trained.Project);
        var predictor = Predictor.Open(spec);
        var all = Alchemist.Data.DataSourceExtensions.ReadAll(Predictor.OpenRows(spec, rows));
        var expected = predictor.Predict(all);

        var csv = Path.Combine(trained.Root, "labels-" + Guid.NewGuid().ToString("N") + ".csv");
        var jsonl = Path.ChangeExtension(csv, ".jsonl");
        Assert.Equal(0, CliBadInputTests.Invoke("predict", trained.Project, rows, "-o", csv).Code);
        Assert.Equal(0, CliBadInputTests.Invoke("predict", trained.Project, rows, "-o", jsonl).Code);

        var csvLines = File.ReadAllLines(csv);
        var jsonLines = File.ReadAllLines(jsonl);
        Assert.Equal("id,label,p_ham,p_spam", csvLines[0]);
        Assert.Equal(count + 1, csvLines.Length);
        Assert.Equal(count, jsonLines.Length);
        for (var r = 0; r < count; r += 997)
        {
            var label = expected[(r * 2) + 1] > expected[r * 2] ? "spam" : "ham";
            var ham = Math.Round(expected[r * 2], 5);
            // The spec names no id field: a row's id is its position.
            Assert.Equal($"{r},{label},{ham.ToString("0.#####", System.Globalization.CultureInfo.InvariantCulture)},", csvLines[r + 1][..(csvLines[r + 1].LastIndexOf(',') + 1)]);
            using var json = System.Text.Json.JsonDocument.Parse(jsonLines[r]);
            Assert.Equal($"{r}", json.RootElement.GetProperty("id").GetString());
            Assert.Equal(label, json.RootElement.GetProperty("label").GetString());
            Assert.Equal(ham, json.RootElement.GetProperty("probabilities").GetProperty("ham").GetDouble(), 5);
        }

        // Parquet out, read back through Parquet in: the same ids, labels and probabilities as the JSON lines.
        var parquet = Path.ChangeExtension(csv, ".parquet");
        Assert.Equal(0, CliBadInputTests.Invoke("predict", trained.Project, rows, "-o", parquet).Code);
        var back = Alchemist.Data.DataSourceExtensions.ReadAll(new Alchemist.Data.ParquetSource(parquet, new(["id"], "label") { NumberFields = ["p_ham"], ClassNames = ["ham", "spam"] }));
        Assert.Equal(count, back.Count);
        for (var r = 0; r < count; r += 997)
        {
            Assert.Equal($"{r}", back.Texts["id"][r]);
            Assert.Equal(expected[(r * 2) + 1] > expected[r * 2] ? 1 : 0, back.Labels[r]);
            Assert.Equal(Math.Round(expected[r * 2], 5), back.Numbers["p_ham"][r], 5);
        }

        var toStdout = CliBadInputTests.Invoke("predict", trained.Project, rows, "--output-format", "parquet");
        Assert.Equal(1, toStdout.Code);
        Assert.Contains("Parquet labels are written to a file: name it with --output", toStdout.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_stops_at_a_malformed_row_of_a_later_batch_naming_its_line_and_leaves_no_output()
    {
        var rows = Path.Combine(trained.Root, "broken-" + Guid.NewGuid().ToString("N") + ".jsonl");
        var badLine = Predictor.BatchRows + 500;
        File.WriteAllLines(rows, Enumerable.Range(1, Predictor.BatchRows * 2).Select(line => line == badLine ? "{\"body\": 12}" : $"{{\"body\": \"lovely song {line}\"}}"));
        var output = Path.Combine(trained.Root, "never-" + Guid.NewGuid().ToString("N") + ".csv");

        var result = CliBadInputTests.Invoke("predict", trained.Project, rows, "--output", output);

        Assert.Equal(1, result.Code);
        Assert.True(result.Error.Contains($"{rows}: line {badLine},", StringComparison.Ordinal), result.Error);
        Assert.Contains("expected a string", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(trained.Root, "never-*"));
    }
}
