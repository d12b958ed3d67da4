using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alchemist.Pipeline;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Studio.Tests;

/// <summary>Classes, new and deleted programs, the LLM's price and a background run, through the studio's API on a copy of the example.</summary>
public sealed class StudioChangeTests() : StudioApiTest("alchemist-studio-change-")
{

    private Uri At(string path) => new(Server.Address, path);

    private async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private Task<HttpResponseMessage> Post(string path, object body) => Client.PostAsJsonAsync(At(path), body, TestContext.Current.CancellationToken);

    [Fact]
    public async Task A_rename_from_the_page_changes_the_spec_the_comments_and_the_figures_names_and_an_unknown_class_is_refused()
    {
        var result = await Json(await Post("/api/classes", new { kind = "rename", name = "SPAM", to = "PROMO" }), HttpStatusCode.OK);

        Assert.Equal(["HAM", "PROMO"], result.GetProperty("after").EnumerateArray().Select(c => c.GetString()));
        var project = await Json(await Client.GetAsync(At("/api/project"), TestContext.Current.CancellationToken), HttpStatusCode.OK);
        Assert.Equal(["HAM", "PROMO"], project.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.True(project.GetProperty("changedSinceRun").GetBoolean());
        var programs = await Json(await Client.GetAsync(At("/api/programs"), TestContext.Current.CancellationToken), HttpStatusCode.OK);
        Assert.Equal(["PROMO"], programs.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "spam-keywords").GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("Votes PROMO (class 1)", File.ReadAllText(Path.Combine(ProjectFolder, "programs", "spam-keywords.cs")), StringComparison.Ordinal);
        Assert.Contains("- name: PROMO", File.ReadAllText(Path.Combine(ProjectFolder, "alchemist.yaml")), StringComparison.Ordinal);

        var refused = await Json(await Post("/api/classes", new { kind = "remove", name = "SPAM" }), (HttpStatusCode)422);
        Assert.Equal("the classes were not changed: there is no class 'SPAM'; the classes are HAM, PROMO", refused.GetProperty("error").GetString());

        // Splitting PROMO would leave valid with gold of HAM alone: the page must be able to show the project, so nothing changes.
        var spec = File.ReadAllText(Path.Combine(ProjectFolder, "alchemist.yaml"));
        var split = await Json(await Post("/api/classes", new { kind = "split", name = "PROMO", names = new[] { "ADS", "SCAM" } }), (HttpStatusCode)422);
        Assert.Contains("every labeled valid row is 'HAM'", split.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(spec, File.ReadAllText(Path.Combine(ProjectFolder, "alchemist.yaml")));
        Assert.False(Directory.Exists(Path.Combine(ProjectFolder, "programs", "disabled")));
    }

    [Fact]
    public async Task A_new_program_from_the_template_a_copy_and_a_delete_each_change_the_files_and_the_table()
    {
        var template = await Json(await Post("/api/programs", new { name = "mine", author = "Ada" }), HttpStatusCode.OK);
        Assert.Equal(0.0, template.GetProperty("after").GetProperty("coverage").GetDouble());
        Assert.Contains("// author: person Ada", File.ReadAllText(Path.Combine(ProjectFolder, "programs", "mine.cs")), StringComparison.Ordinal);

        var copy = await Json(await Post("/api/programs", new { name = "keywords-copy", copyOf = "spam-keywords", author = "Ada" }), HttpStatusCode.OK);
        var original = (await Json(await Client.GetAsync(At("/api/programs"), TestContext.Current.CancellationToken), HttpStatusCode.OK))
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "spam-keywords");
        Assert.Equal(original.GetProperty("coverage").GetDouble(), copy.GetProperty("after").GetProperty("coverage").GetDouble());
        await Json(await Post("/api/programs", new { name = "mine", author = "Ada" }), HttpStatusCode.Conflict);
        await Json(await Post("/api/programs", new { name = "../escape", author = "Ada" }), (HttpStatusCode)422);

        // A name that leaves the programs folder deletes nothing.
        await Json(await Client.DeleteAsync(At("/api/programs/..%2Falchemist.yaml"), TestContext.Current.CancellationToken), HttpStatusCode.NotFound);
        Assert.True(File.Exists(Path.Combine(ProjectFolder, "alchemist.yaml")));
        await Json(await Client.DeleteAsync(At("/api/programs/keywords-copy"), TestContext.Current.CancellationToken), HttpStatusCode.OK);
        Assert.False(File.Exists(Path.Combine(ProjectFolder, "programs", "keywords-copy.cs")));
        Assert.Single(Directory.GetFiles(Path.Combine(ProjectFolder, ".alchemist", "history", "keywords-copy")));
        var names = (await Json(await Client.GetAsync(At("/api/programs"), TestContext.Current.CancellationToken), HttpStatusCode.OK))
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("mine", names);
        Assert.DoesNotContain("keywords-copy", names);
    }

    [Fact]
    public async Task Without_an_llm_the_price_is_an_error_that_says_so()
    {
        var error = await Json(await Post("/api/llm/estimate", new { kind = "class", @class = "SPAM" }), (HttpStatusCode)422);

        Assert.Equal("no LLM is configured (llm.provider: offline in alchemist.yaml); name a provider there to ask one", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Finishing_runs_in_the_background_streams_its_log_and_ends_with_the_summary_while_changes_wait()
    {
        // A program deleted first, so the run has work to do and the figures the page shows come from it afterwards.
        await Json(await Client.DeleteAsync(At("/api/programs/spam-phrases"), TestContext.Current.CancellationToken), HttpStatusCode.OK);

        await Json(await Post("/api/finish", new { }), HttpStatusCode.Accepted);
        var blocked = await Post("/api/programs", new { name = "during-run" });
        Assert.Equal(HttpStatusCode.Conflict, blocked.StatusCode);

        var stream = await Client.GetStringAsync(At("/api/finish/events"), TestContext.Current.CancellationToken);
        var events = stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "log" && e.GetProperty("text").GetString()!.Contains("applying programs in the sandbox", StringComparison.Ordinal));
        var done = events[^1];
        Assert.Equal("done", done.GetProperty("kind").GetString());
        Assert.Equal(15, done.GetProperty("summary").GetProperty("programs").GetInt32());
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.GetProperty("index").GetInt32()));

        var project = await Json(await Client.GetAsync(At("/api/project"), TestContext.Current.CancellationToken), HttpStatusCode.OK);
        Assert.False(project.GetProperty("changedSinceRun").GetBoolean());
        Assert.False(project.GetProperty("running").GetBoolean());
    }
}
