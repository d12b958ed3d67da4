using System.Text.Json;
using Alchemist.Pipeline;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// A synthetic imbalanced task where collapse is the easy answer: 80 % "routine", 15 % "urgent", 5 % "spam", and a person
/// wrote a program for "routine" only. The run must not let its accuracy speak alone: it warns that two classes have no
/// program, that the final labels leave urgent out, and that they are no better than always answering routine, and it
/// reports macro-F1, per-class figures and the majority-class rate beside accuracy.
/// </summary>
public sealed class ImbalancedRunTests : IDisposable
{
    // Routine tickets say "please" half of the time; otherwise every class draws from the same words, so nothing in the
    // text tells urgent or spam apart and the easy answer is to call every row routine.
    private readonly TicketsProject _project = new(
        "llm:\n  provider: offline\n",
        ["invoice", "address", "update", "account", "outage", "down", "broken", "now"],
        (label, row) => label == 0 && row % 2 == 0 ? " please" : "");

    public ImbalancedRunTests() => _project.AddPersonProgram("polite-is-routine", "text.Contains(\"please\") ? 0 : -1");

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task The_run_warns_and_reports_every_class_where_collapse_is_the_easy_answer()
    {
        var log = new StringWriter();
        var summary = await new RunPipeline(log).RunAsync(_project.Root, TestContext.Current.CancellationToken);

        // Hand-computed from the layout: test has 200 rows, 160 routine, 30 urgent, 10 spam.
        Assert.Equal("routine", summary.MajorityClass);
        Assert.Equal(0.8, summary.MajorityClassTestAccuracy);
        Assert.Equal(Math.Round(0.8 * 2 / 1.8 / 3, 4), summary.MajorityClassTestMacroF1);
        Assert.Equal(["routine", "urgent", "spam"], summary.FinalTestPerClass.Select(c => c.Class));
        Assert.Equal([160L, 30L, 10L], summary.FinalTestPerClass.Select(c => c.Support));
        Assert.Equal(200, summary.FinalTestPerClass.Sum(c => c.Predicted));
        Assert.NotNull(summary.FinalTestMacroF1);
        Assert.NotNull(summary.DevOnlyBaselineTestMacroF1);
        Assert.Contains(summary.FinalVersusDevOnly, new[] { "ahead", "tie", "behind" });

        Assert.True(summary.Warnings.Any(w => w.StartsWith("no program votes for urgent, spam", StringComparison.Ordinal)), log.ToString());
        Assert.True(summary.FinalTestAccuracy > 0.8 || summary.Warnings.Any(w => w.StartsWith($"the final labels' test accuracy {summary.FinalTestAccuracy:0.000} is not above always answering routine (0.800)", StringComparison.Ordinal)), log.ToString());
        var text = log.ToString();
        Assert.Contains("warning: no program votes for urgent, spam", text, StringComparison.Ordinal);

        var html = File.ReadAllText(Path.Combine(_project.Root, summary.Report));
        Assert.Contains("<div class=\"banner warn\" id=\"warnings\">", html, StringComparison.Ordinal);
        Assert.Contains("no program votes for urgent, spam", html, StringComparison.Ordinal);
        Assert.Contains("id=\"majority-row\"><td>always routine (the majority class of valid)</td><td>0.800</td><td>0.800</td>", html, StringComparison.Ordinal);
        Assert.Contains("id=\"per-class-table\"", html, StringComparison.Ordinal);

        var saved = JsonDocument.Parse(File.ReadAllText(Path.Combine(_project.Root, "out", "summary.json"))).RootElement;
        Assert.Equal(summary.Warnings.Count, saved.GetProperty("warnings").GetArrayLength());
        Assert.Equal(0.8, saved.GetProperty("majority_class_test_accuracy").GetDouble());
        Assert.Equal(3, saved.GetProperty("final_test_per_class").GetArrayLength());
    }
}
