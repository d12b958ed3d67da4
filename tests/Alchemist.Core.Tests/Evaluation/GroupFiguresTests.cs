using Alchemist.Evaluation;
using Xunit;

namespace Alchemist.Core.Tests.Evaluation;

public sealed class GroupFiguresTests
{
    [Fact]
    public void Accuracy_per_group_names_the_worst_and_leaves_out_rows_without_gold_or_group()
    {
        int[] gold = [0, 0, 1, 1, 1, -1, 0];
        int[] predicted = [0, 0, 1, 0, 0, 1, 1];
        string[] groups = ["a", "a", "b", "b", "b", "b", ""];

        var figures = GroupFigures.Compute(gold, predicted, groups);

        Assert.Equal([new GroupAccuracy("a", 2, 1.0), new GroupAccuracy("b", 3, 1.0 / 3)], figures.Groups);
        Assert.Equal("b", figures.Worst!.Group);
        // Against a labeling right everywhere, the deciding group is b, where this one does worse: its rows keep their gold.
        int[] right = [0, 0, 1, 1, 1, 1, 0];
        Assert.Equal([-1, -1, 1, 1, 1, -1, -1], GroupFigures.GoldOfDecidingGroup(gold, predicted, right, groups));
        Assert.Equal([-1, -1, 1, 1, 1, -1, -1], GroupFigures.GoldOfDecidingGroup(gold, right, predicted, groups));
        Assert.True(double.IsNaN(GroupFigures.Compute([-1], [0], ["a"]).WorstAccuracy));
    }

    [Fact]
    public void The_deciding_group_is_the_worst_of_whichever_labeling_does_worse_there()
    {
        // Groups A and B, 40 rows each, every gold 0. "final" is right on all of A and 10 of B (worst group B, 0.25);
        // "baseline" right on 20 of A and all of B (worst A, 0.50). Judged on the baseline's worst group, final would lead
        // by 20 rows though its own worst group is far lower; the deciding group is B, where the baseline leads by 30.
        var gold = new int[80];
        var groups = Enumerable.Range(0, 80).Select(r => r < 40 ? "A" : "B").ToArray();
        var final = Enumerable.Range(0, 80).Select(r => r < 50 ? 0 : 1).ToArray();
        var baseline = Enumerable.Range(0, 80).Select(r => r < 20 || r >= 40 ? 0 : 1).ToArray();

        var judged = GroupFigures.GoldOfDecidingGroup(gold, final, baseline, groups);

        Assert.Equal(Enumerable.Range(0, 80).Select(r => r < 40 ? -1 : 0), judged);
        var lead = PairedLead.Of(EvaluationMetric.Accuracy, baseline, final, judged, 2);
        Assert.True(lead.Exceeds(PairedLead.RequiredStandardErrors), lead.Describe());
    }

    [Fact]
    public void Worst_group_choice_prefers_the_candidate_that_holds_on_the_small_group_once_it_clearly_leads_there()
    {
        // 40 rows of group big, 12 of group small; "shortcut" is right on all of big and wrong on all of small, "robust"
        // wrong on 4 of big and right on all of small. By accuracy the shortcut stays; by worst group the robust one leads.
        var gold = Enumerable.Repeat(0, 52).ToArray();
        var groups = Enumerable.Range(0, 52).Select(r => r < 40 ? "big" : "small").ToArray();
        var shortcut = Enumerable.Range(0, 52).Select(r => r < 40 ? 0 : 1).ToArray();
        var robust = Enumerable.Range(0, 52).Select(r => r < 4 ? 1 : 0).ToArray();
        ValidCandidate[] candidates = [new("shortcut", shortcut), new("robust", robust)];

        var byAccuracy = ValidChoice.Choose(candidates, 0, gold, 2, EvaluationMetric.Accuracy);
        var byGroup = ValidChoice.Choose(candidates, 0, gold, 2, EvaluationMetric.WorstGroup, groups: groups);
        var withoutGroups = ValidChoice.Choose(candidates, 0, gold, 2, EvaluationMetric.WorstGroup);

        Assert.Equal(0, byAccuracy.Chosen);
        Assert.Equal(1, byGroup.Chosen);
        Assert.Equal(0.0, byGroup.Scored[0].Score);
        Assert.Equal(0.9, byGroup.Scored[1].Score);
        Assert.Equal(0, withoutGroups.Chosen);
    }
}
