using Alchemist.Programs.Apply;
using Alchemist.Spec;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>
/// Changing classes after a run, on the 3-class tickets task (routine 80 %, urgent 15 %, spam 5 %) with three person-written
/// programs: the spec, the programs, the vote files and the gold labels change together, and the next run labels with the
/// new classes.
/// </summary>
public sealed class ProjectClassesTests : IAsyncLifetime
{
    private readonly TicketsProject _project = new(
        "",
        ["printer", "invoice", "monday", "office", "laptop"],
        (label, row) => label switch { 1 => " asap", 2 => row % 40 == 0 ? " winner prize" : " winner", _ => " thanks" });

    public async ValueTask InitializeAsync()
    {
        _project.AddPersonProgram("urgent-word", "text.Contains(\"asap\") ? 1 : -1");
        _project.AddPersonProgram("spam-word", "text.Contains(\"winner\") ? 2 : -1");
        _project.AddPersonProgram("routine-or-spam", "text.Contains(\"thanks\") ? 0 : text.Contains(\"prize\") ? 2 : -1");
        await new RunPipeline(TextWriter.Null).RunAsync(_project.Root);
    }

    public ValueTask DisposeAsync()
    {
        _project.Dispose();
        return ValueTask.CompletedTask;
    }

    private string ProgramText(string name) => File.ReadAllText(Path.Combine(_project.Root, "programs", name + ".cs"));

    [Fact]
    public async Task Merging_two_classes_maps_the_gold_and_the_votes_and_the_next_run_labels_with_the_merged_class()
    {
        var change = ProjectClasses.Change(_project.Root, new MergeClasses(["urgent", "spam"], "attention", null));

        Assert.Equal(["routine", "attention"], change.After);
        var spec = SpecReader.Load(_project.Root);
        Assert.Equal(["routine", "urgent", "spam"], spec.Data.Classes);
        Assert.Equal([0, 1, 1], ClassMapping.Of(spec)!.DataToSpec);

        // Programs that voted only kept indices keep their code; spam-word's 2 is now 1.
        Assert.Equal(ProgramChangeKind.Kept, change.Programs.Single(p => p.Name == "urgent-word").Kind);
        Assert.Equal(ProgramChangeKind.Mapped, change.Programs.Single(p => p.Name == "spam-word").Kind);
        Assert.Contains("    2 => 1,", ProgramText("spam-word"), StringComparison.Ordinal);
        Assert.Contains("public static int LabelAsWritten(string text) => text.Contains(\"winner\") ? 2 : -1;", ProgramText("spam-word"), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(_project.Root, ".alchemist", "history", "spam-word")));

        // The vote files speak of the new classes: spam-word votes 1 on the 10 valid spam rows (every 20th of 200).
        var valid = LabelMatrixFile.Read(ProjectApply.MatrixPath(_project.Root, "valid"));
        Assert.Equal(2, valid.Classes);
        var spamWord = valid.ProgramNames.ToList().IndexOf("spam-word");
        Assert.Equal(10, valid.Column(spamWord).ToArray().Count(v => v == 1));
        Assert.DoesNotContain((sbyte)2, valid.Column(spamWord).ToArray());

        var summary = await new RunPipeline(TextWriter.Null).RunAsync(_project.Root, TestContext.Current.CancellationToken);
        Assert.Equal(1.0, summary.FinalTestAccuracy);
        var labels = File.ReadAllLines(Path.Combine(_project.Root, "out", "labels.csv"));
        Assert.StartsWith("split,id,label,p_routine,p_attention", labels[0], StringComparison.Ordinal);
        Assert.Equal(800 * 20 / 100, labels.Skip(1).Count(l => l.Split(',')[2] == "attention"));
    }

    [Fact]
    public void Removing_a_class_disables_the_programs_that_vote_only_it_and_maps_the_others()
    {
        var change = ProjectClasses.Change(_project.Root, new RemoveClass("spam"));

        Assert.Equal(["routine", "urgent"], change.After);
        Assert.Equal(["spam"], change.UnlabeledGold);
        Assert.Equal(ProgramChangeKind.Disabled, change.Programs.Single(p => p.Name == "spam-word").Kind);
        Assert.True(File.Exists(Path.Combine(_project.Root, "programs", "disabled", "spam-word.cs")));
        Assert.False(File.Exists(Path.Combine(_project.Root, "programs", "spam-word.cs")));
        Assert.Contains("// map: 0=0 1=1 2=-1", ProgramText("routine-or-spam"), StringComparison.Ordinal);
        Assert.Equal(["routine-or-spam", "urgent-word"], LabelMatrixFile.Read(ProjectApply.MatrixPath(_project.Root, "train")).ProgramNames.Order());

        var dataset = SpecData.LoadDataset(SpecReader.Load(_project.Root));
        Assert.Equal(10, dataset.Valid!.Rows.Labels.Count(g => g < 0));
    }

    [Fact]
    public void Renaming_changes_the_name_and_the_comments_and_keeps_every_index()
    {
        File.WriteAllText(Path.Combine(_project.Root, "programs", "urgent-word.cs"),
            "// alchemist-program: urgent-word\n// author: person tester\n\n// Votes urgent for asap.\npublic static int Label(string text) => text.Contains(\"asap\") ? 1 : -1;\n");

        var change = ProjectClasses.Change(_project.Root, new RenameClass("urgent", "priority"));

        Assert.All(change.Programs, p => Assert.Equal(ProgramChangeKind.Kept, p.Kind));
        Assert.Contains("// Votes priority for asap.", ProgramText("urgent-word"), StringComparison.Ordinal);
        var spec = SpecReader.Load(_project.Root);
        Assert.Equal(["routine", "priority", "spam"], spec.ClassNames);
        Assert.True(ClassMapping.Of(spec)!.KeepsIndices(3));
        Assert.Throws<UserError>(() => ProjectClasses.Change(_project.Root, new RenameClass("spam", "Routine")));

        // A name is written into program comments: a line break in it would turn the rest into code.
        var before = ProgramText("urgent-word");
        var injected = Assert.Throws<UserError>(() => ProjectClasses.Change(_project.Root, new RenameClass("priority", "x\npublic static int Label(string text) => 1;")));
        Assert.Contains("holds a line break or another control character", injected.Message, StringComparison.Ordinal);
        Assert.Equal(before, ProgramText("urgent-word"));
    }

    [Fact]
    public void Splitting_a_class_leaves_its_gold_and_votes_unassigned_and_names_the_parts_that_need_programs()
    {
        var change = ProjectClasses.Change(_project.Root, new SplitClass("spam", ["phishing", "promo"]));

        Assert.Equal(["routine", "urgent", "phishing", "promo"], change.After);
        Assert.Equal(["phishing", "promo"], change.NeedPrograms);
        Assert.Equal(ProgramChangeKind.Disabled, change.Programs.Single(p => p.Name == "spam-word").Kind);
        var spec = SpecReader.Load(_project.Root);
        Assert.Equal([0, 1, -1], ClassMapping.Of(spec)!.DataToSpec);

        var added = ProjectClasses.Change(_project.Root, new AddClass("billing", "Invoices and payments"));
        Assert.Equal(["routine", "urgent", "phishing", "promo", "billing"], added.After);
        Assert.Contains("billing", added.NeedPrograms);
        Assert.Equal("Invoices and payments", SpecReader.Load(_project.Root).Classes[4].Description);
    }
}
