using Alchemist.Pipeline;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// The LLM follow-up for a class no program votes for, through a whole run with the exchange provider (a person pastes the
/// replies): the first run asks, warns that the reply is awaited and still writes its labels; once the reply is pasted the
/// next run checks and writes the program, applies it, and the class is covered; the call is in the ledger once.
/// </summary>
public sealed class FollowUpRunTests : IDisposable
{
    // Spam rows say "winner", urgent ones "outage", half the routine ones "please"; people wrote programs for the last two.
    private readonly TicketsProject _project = new(
        "synthesis:\n  follow_up_calls: 1\nllm:\n  provider: exchange\n  model: claude-sonnet-4-5\n",
        ["invoice", "address", "update", "account", "order", "today"],
        (label, row) => label switch { 2 => " winner", 1 => " outage", _ => row % 2 == 0 ? " please" : "" });

    public FollowUpRunTests()
    {
        _project.AddPersonProgram("polite-is-routine", "text.Contains(\"please\") ? 0 : -1");
        _project.AddPersonProgram("outage-is-urgent", "text.Contains(\"outage\") ? 1 : -1");
    }

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task A_class_without_a_program_gets_one_follow_up_call_whose_program_is_checked_written_and_applied()
    {
        var first = await new RunPipeline(new StringWriter()).RunAsync(_project.Root, TestContext.Current.CancellationToken);
        Assert.Contains(first.Warnings, w => w.StartsWith("no program votes for spam", StringComparison.Ordinal));
        var pending = Assert.Single(first.Warnings, w => w.StartsWith("the follow-up followup-spam waits for its reply in ", StringComparison.Ordinal));
        var exchange = Path.Combine(_project.Root, ".alchemist", "exchange");
        var prompt = Assert.Single(Directory.GetFiles(exchange, "followup-spam.*.prompt.md"));
        var promptText = File.ReadAllText(prompt);
        Assert.Contains("do not label spam well: no program votes spam, the class of 10 of the 200 labeled valid rows (5%)", promptText, StringComparison.Ordinal);
        Assert.Contains("return 2 where the input clearly is spam", promptText, StringComparison.Ordinal);
        Assert.DoesNotContain("example 1", promptText, StringComparison.Ordinal); // rows_in_prompts is off: no valid rows leave
        Assert.True(File.Exists(Path.Combine(_project.Root, first.LabelsCsv)), "the run still writes its labels while the reply is awaited");

        File.WriteAllText(prompt.Replace(".prompt.md", ".reply.md", StringComparison.Ordinal),
            "Here it is:\n```csharp\npublic static int Label(string text) => text.Contains(\"winner\") ? 2 : -1;\n```\n");
        var log = new StringWriter();
        var second = await new RunPipeline(log).RunAsync(_project.Root, TestContext.Current.CancellationToken);

        Assert.False(second.Reused, "a run that waited for a follow-up reply is not reused");
        var program = File.ReadAllText(Path.Combine(_project.Root, "programs", "followup-spam.cs"));
        Assert.Contains("// author: llm exchange/claude-sonnet-4-5", program, StringComparison.Ordinal);
        Assert.Contains("// synthesis: follow-up, because no program votes spam", program, StringComparison.Ordinal);
        Assert.Equal(3, second.Programs);
        Assert.DoesNotContain(second.Warnings, w => w.Contains("spam", StringComparison.Ordinal));
        Assert.Equal(1.0, second.FinalTestPerClass.Single(c => c.Class == "spam").Recall);
        Assert.Single(File.ReadAllLines(Path.Combine(_project.Root, ".alchemist", "ledger.jsonl")), line => line.Contains("followup-spam", StringComparison.Ordinal));

        var third = await new RunPipeline(new StringWriter()).RunAsync(_project.Root, TestContext.Current.CancellationToken);
        Assert.True(third.Reused, "with the class covered nothing is asked and the run is reused");
    }
}
