using Alchemist.Labeling;
using Alchemist.Spec;
using Alchemist.Synthesis.Engine;
using Alchemist.Synthesis.Prompts;
using Xunit;

namespace Alchemist.Synthesis.Tests;

/// <summary>Which classes get a follow-up request, and what its prompt says, on hand-made votes.</summary>
public sealed class FollowUpTests
{
    private static readonly string[] Classes = ["routine", "urgent", "spam", "legal"];

    [Fact]
    public void A_class_without_votes_or_whose_every_program_is_no_better_than_its_prior_is_planned_and_the_others_are_not()
    {
        // Ten valid rows: gold 0 x5, 1 x3, 2 x2; no row is legal and no program votes it, as for a class just added: it gets
        // a request too.
        int[] gold = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2];
        // "routine-words" votes 0 on rows 0-4 and 5 (5 of 6 right, above routine's 50 %).
        // "loose-urgent" votes 1 on rows 0, 1, 2, 5 (1 of 4 right: 25 %, under urgent's 30 %).
        // No program votes spam on valid; "spam-train" votes it on train only.
        var valid = LabelMatrix.FromColumns(10, 4, ["routine-words", "loose-urgent", "spam-train"],
        [
            [0, 0, 0, 0, 0, 0, -1, -1, -1, -1],
            [1, 1, 1, -1, -1, 1, -1, -1, -1, -1],
            [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1],
        ]);
        var train = LabelMatrix.FromColumns(2, 4, ["routine-words", "loose-urgent", "spam-train"], [[0, -1], [-1, -1], [-1, 2]]);

        var plan = ClassFollowUp.Plan(valid, train, gold, Classes, c => [$"example of {Classes[c]}"]);

        Assert.Equal([1, 2, 3], plan.Select(p => p.Class));
        Assert.Equal(["followup-urgent", "followup-spam", "followup-legal"], plan.Select(p => p.Name));
        Assert.Equal("no program votes legal, and no valid row is labeled legal yet", plan[2].Reason);
        Assert.Empty(plan[2].Examples);
        Assert.Equal("no program's urgent votes on valid are right more often than urgent's share of valid (30%); the best, loose-urgent, is right on 1 of its 4", plan[0].Reason);
        Assert.Equal("the programs vote spam on train rows but on none of the 10 labeled valid rows, where 2 are spam", plan[1].Reason);
        Assert.Equal(["example of spam"], plan[1].Examples);

        // A program right on 3 of its 4 urgent votes (75 % against 30 %) covers urgent.
        var better = LabelMatrix.FromColumns(10, 4, ["routine-words", "tight-urgent"],
        [
            [0, 0, 0, 0, 0, 0, -1, -1, -1, -1],
            [1, -1, -1, -1, -1, 1, 1, 1, -1, -1],
        ]);
        Assert.Equal([2, 3], ClassFollowUp.Plan(better, train, gold, Classes).Select(p => p.Class));
        Assert.Equal("no program votes spam, the class of 2 of the 10 labeled valid rows (20%)",
            ClassFollowUp.Plan(better, LabelMatrix.FromColumns(2, 4, ["a", "b"], [[0, -1], [-1, -1]]), gold, Classes).Single(p => p.Class == 2).Reason);

        // A class without gold that a program votes gets no request: it has programs, and without gold nothing says they fall short.
        var legalVoter = LabelMatrix.FromColumns(2, 4, ["routine-words", "legal-words"], [[0, -1], [-1, 3]]);
        Assert.Equal([2], ClassFollowUp.Plan(better, legalVoter, gold, Classes).Select(p => p.Class));
    }

    [Fact]
    public void Without_valid_gold_nothing_is_planned()
    {
        var votes = LabelMatrix.FromColumns(2, 4, ["a"], [[-1, -1]]);
        Assert.Empty(ClassFollowUp.Plan(votes, votes, [-1, -1], Classes));
    }

    [Fact]
    public void The_prompt_names_the_shortfall_fences_examples_as_data_and_keeps_the_exact_signature()
    {
        var task = new SynthesisTask("tickets", "Sort support tickets.", [new InputField("text")],
            [.. Classes.Select(c => new TaskClass(c, null))], "public static int Label(string text)", null);
        var request = new ClassFollowUp(2, ["WIN a ```prize``` now"]) { Name = "followup-spam", Reason = "no program votes spam" };

        var messages = request.Prompt(new PromptBuilder(task));

        var user = messages[^1].Content;
        Assert.StartsWith("The labeling functions written so far for this task do not label spam well: no program votes spam.\n", user, StringComparison.Ordinal);
        Assert.Contains(DataFence.Note, user, StringComparison.Ordinal);
        Assert.Contains("````data spam example 1\nWIN a ```prize``` now\n````\n", user, StringComparison.Ordinal);
        Assert.Contains("return 2 where the input clearly is spam, and -1 everywhere else", user, StringComparison.Ordinal);
        Assert.EndsWith("public static int Label(string text)", user, StringComparison.Ordinal);
    }
}
