using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alchemist.Pipeline;
using Alchemist.Programs;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Studio.Tests;

/// <summary>Saving a person's version of a program through the studio, on a copy of the example after one run.</summary>
public sealed class StudioEditTests() : StudioApiTest("alchemist-studio-edit-")
{
    private const string Program = "spam-keywords";

    private string ProgramPath => Path.Combine(ProjectFolder, "programs", Program + ".cs");

    private async Task<string> BaseHash()
    {
        using var evidence = JsonDocument.Parse(await Client.GetStringAsync(new Uri(Server.Address, $"/api/programs/{Program}/evidence"), TestContext.Current.CancellationToken));
        return evidence.RootElement.GetProperty("sourceHash").GetString()!;
    }

    private Task<HttpResponseMessage> Save(string source, string baseHash) =>
        Client.PutAsJsonAsync(new Uri(Server.Address, $"/api/programs/{Program}"), new { source, baseHash, author = "Ada" }, TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_source_that_does_not_compile_is_refused_on_its_line_and_the_file_stays_as_it_was()
    {
        var before = File.ReadAllText(ProgramPath);
        const string broken = "// my fix\npublic static int Label(string text)\n{\n    return text.Length > 3 ? 1 : ;\n}\n";

        var response = await Save(broken, await BaseHash());

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = result.RootElement.GetProperty("errors").EnumerateArray().First();
        Assert.Equal(4, error.GetProperty("line").GetInt32());
        Assert.Equal("C# error", error.GetProperty("kind").GetString());
        Assert.Equal(before, File.ReadAllText(ProgramPath));
        Assert.Contains("return text.Length > 3 ? 1 : ;", File.ReadAllText(Path.Combine(ProjectFolder, ".alchemist", "drafts", Program + ".cs")), StringComparison.Ordinal);

        // What the sandbox refuses is told as such, on its line too.
        var escaping = await Save("public static int Label(string text)\n{\n    System.IO.File.Delete(\"x\");\n    return -1;\n}\n", await BaseHash());
        using var refused = JsonDocument.Parse(await escaping.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var verify = refused.RootElement.GetProperty("errors").EnumerateArray().First();
        Assert.Equal((3, "the sandbox does not allow this"), (verify.GetProperty("line").GetInt32(), verify.GetProperty("kind").GetString()));
        Assert.Equal(before, File.ReadAllText(ProgramPath));
    }

    [Fact]
    public async Task A_valid_save_keeps_the_old_version_applies_the_program_again_and_gives_its_new_figures()
    {
        var old = File.ReadAllText(ProgramPath);
        const string source = "public static int Label(string text) => text.Contains(\"subscribe\", StringComparison.OrdinalIgnoreCase) ? 1 : -1;\n";

        var response = await Save(source, await BaseHash());

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        using var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var after = result.RootElement.GetProperty("after");
        var train = SpecData.LoadDataset(SpecReader.Load(ProjectFolder)).Train;
        var expected = train.Rows.Text("text").Count(t => t.Contains("subscribe", StringComparison.OrdinalIgnoreCase)) / (double)train.Count;
        Assert.Equal(expected, after.GetProperty("coverage").GetDouble(), 12);
        Assert.Equal(["SPAM"], after.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("person Ada", after.GetProperty("author").GetString());

        var saved = ProgramFile.Load(ProgramPath);
        Assert.Equal((ProgramAuthorKind.Person, "Ada"), (saved.Provenance.Kind, saved.Provenance.AuthorName));
        Assert.Equal(source, saved.Source);
        Assert.Equal(old, File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(ProjectFolder, ".alchemist", "history", Program)))));
        using var project = JsonDocument.Parse(await Client.GetStringAsync(new Uri(Server.Address, "/api/project"), TestContext.Current.CancellationToken));
        Assert.True(project.RootElement.GetProperty("changedSinceRun").GetBoolean());

        // The vote files hold the new column, and the next run takes it from the cache instead of running it again.
        var votes = Alchemist.Programs.Apply.LabelMatrixFile.Read(Alchemist.Programs.Apply.ProjectApply.MatrixPath(ProjectFolder, Alchemist.Data.SplitName.Train));
        var j = votes.ProgramNames.ToList().IndexOf(Program);
        Assert.Equal(expected, votes.Column(j).ToArray().Count(v => v != Alchemist.Labeling.LabelMatrix.Abstain) / (double)votes.Rows, 12);
        var log = new StringWriter();
        await new RunPipeline(log).RunAsync(ProjectFolder, TestContext.Current.CancellationToken);
        Assert.Contains($"applied {votes.Programs} programs ({votes.Programs * 3} columns from cache)", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabling_a_program_parks_its_file_and_drops_its_column_and_enabling_it_brings_both_back()
    {
        var matrix = Alchemist.Programs.Apply.ProjectApply.MatrixPath(ProjectFolder, Alchemist.Data.SplitName.Train);
        var before = Alchemist.Programs.Apply.LabelMatrixFile.Read(matrix);
        var column = before.Column(before.ProgramNames.ToList().IndexOf(Program)).ToArray();

        var disable = await Client.PostAsync(new Uri(Server.Address, $"/api/programs/{Program}/disable"), null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.False(File.Exists(ProgramPath));
        Assert.True(File.Exists(Path.Combine(ProjectFolder, "programs", StudioProject.DisabledFolder, Program + ".cs")));
        Assert.DoesNotContain(Program, Alchemist.Programs.Apply.LabelMatrixFile.Read(matrix).ProgramNames);
        using (var table = JsonDocument.Parse(await Client.GetStringAsync(new Uri(Server.Address, "/api/programs"), TestContext.Current.CancellationToken)))
        {
            Assert.Equal("disabled", table.RootElement.EnumerateArray().Single(p => p.GetProperty("name").GetString() == Program).GetProperty("state").GetString());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Client.PostAsync(new Uri(Server.Address, $"/api/programs/{Program}/disable"), null, TestContext.Current.CancellationToken)).StatusCode);
        var enable = await Client.PostAsync(new Uri(Server.Address, $"/api/programs/{Program}/enable"), null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        Assert.True(File.Exists(ProgramPath));
        var after = Alchemist.Programs.Apply.LabelMatrixFile.Read(matrix);
        Assert.Equal(column, after.Column(after.ProgramNames.ToList().IndexOf(Program)).ToArray());
    }

    [Fact]
    public async Task Of_two_saves_from_the_same_version_one_is_kept_and_the_other_is_told_of_the_conflict()
    {
        var baseHash = await BaseHash();
        var saves = await Task.WhenAll(
            Save("public static int Label(string text) => text.Contains(\"check\") ? 1 : -1;\n", baseHash),
            Save("public static int Label(string text) => text.Contains(\"channel\") ? 1 : -1;\n", baseHash));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], saves.Select(s => s.StatusCode).Order());
        var conflict = saves.Single(s => s.StatusCode == HttpStatusCode.Conflict);
        Assert.Contains("changed since you opened it", await conflict.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var kept = saves.Single(s => s.StatusCode == HttpStatusCode.OK);
        using var result = JsonDocument.Parse(await kept.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(result.RootElement.GetProperty("sourceHash").GetString(), ProgramFile.Load(ProgramPath).SourceHash);
    }
}
