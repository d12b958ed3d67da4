using Alchemist.Evaluation;
using Xunit;

namespace Alchemist.Core.Tests.Evaluation;

public class ChoosingOnValidTests
{
    [Fact]
    public void An_accuracy_lead_is_counted_in_rows_with_the_standard_error_of_the_paired_difference()
    {
        // Ten labeled rows and one unlabeled: a alone is right on rows 0-2, b alone on row 3, both on 4-6, neither on 7-9.
        int[] gold = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, -1];
        int[] a = [0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1];
        int[] b = [1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0];
        var lead = PairedLead.Of(EvaluationMetric.Accuracy, a, b, gold, 2);

        // Per-row differences: three +1, one -1, six 0; mean 0.2, sample variance (4 - 10 * 0.04) / 9 = 0.4, standard error sqrt(0.4 / 10) = 0.2.
        Assert.Equal(10, lead.Rows);
        Assert.Equal(0.2, lead.Lead, 12);
        Assert.Equal(0.2, lead.StandardError, 12);
        Assert.Equal(2, lead.LeadRows);
        Assert.Equal(2.0, lead.StandardErrorRows, 12);
        Assert.Equal((3, 1), (lead.Wins, lead.Losses));
        // Judged by the sign test: P(at least 3 heads of 4) = 5/16 = 0.3125, above P(Z > 0.5) = 0.3085 and below P(Z > 0.4) = 0.3446.
        Assert.False(lead.Exceeds(PairedLead.RequiredStandardErrors));
        Assert.False(lead.Exceeds(0.5));
        Assert.True(lead.Exceeds(0.4));
        Assert.False(lead.Reversed.Exceeds(0));
        Assert.Equal("2 valid rows (3 right only by it, 1 only by the other; one standard error is 2.0 rows)", lead.Describe());
    }

    [Fact]
    public void The_sign_test_and_the_normal_tail_match_hand_computed_values()
    {
        Assert.Equal(5 / 16.0, PairedLead.SignTestPValue(3, 1), 12);
        Assert.Equal(0.25, PairedLead.SignTestPValue(2, 0), 12);
        Assert.Equal(7 / 64.0, PairedLead.SignTestPValue(5, 1), 12);
        Assert.Equal(1.0, PairedLead.SignTestPValue(0, 0));
        Assert.Equal(0.5 + (0.5 * 1716 / 8192.0), PairedLead.SignTestPValue(7, 7), 12); // P(X >= 7 of 14) = 1/2 + P(X = 7)/2
        Assert.InRange(PairedLead.SignTestPValue(1100, 900), 4e-6, 6e-6);             // normal approximation: P(Z > 4.45) = 4.3e-6
        Assert.Equal(0.1586553, PairedLead.NormalUpperTail(1), 6);
        Assert.Equal(0.0227501, PairedLead.NormalUpperTail(2), 6);
        Assert.Equal(0.5, PairedLead.NormalUpperTail(0), 7);
        Assert.Equal(0.8413447, PairedLead.NormalUpperTail(-1), 6);
    }

    [Fact]
    public void Two_rows_right_against_none_is_no_lead_at_one_standard_error_and_five_against_one_is()
    {
        // The normal approximation calls 2-0 on 500 rows 1.4 standard errors; a fair coin gives it one time in four.
        var twoNothing = new PairedLead(EvaluationMetric.Accuracy, 2 / 500.0, Math.Sqrt(2 / 500.0 / 500), 500) { Wins = 2, Losses = 0 };
        Assert.True(twoNothing.Lead > twoNothing.StandardError);
        Assert.False(twoNothing.Exceeds(1));
        var fiveOne = new PairedLead(EvaluationMetric.Accuracy, 4 / 500.0, 2.4 / 500, 500) { Wins = 5, Losses = 1 };
        Assert.True(fiveOne.Exceeds(1));   // p = 7/64 = 0.109 < 0.159
        Assert.False(fiveOne.Exceeds(2));  // 0.109 > 0.023
    }

    [Fact]
    public void A_macro_f1_lead_is_the_difference_of_the_two_scores_with_a_bootstrap_standard_error_that_is_the_same_every_run()
    {
        // b labels every row 0; a finds two of the three rows of class 1 and makes one mistake on class 0.
        int[] gold = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1];
        int[] a = [0, 0, 0, 0, 0, 0, 1, 1, 1, 0];
        int[] b = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var lead = PairedLead.Of(EvaluationMetric.MacroF1, a, b, gold, 2);

        // a: F1(0) = 2*6/(7+7) = 6/7, F1(1) = 2*2/(3+3) = 2/3; b: F1(0) = 2*7/(7+10) = 14/17, F1(1) = 0.
        var expected = ((6.0 / 7) + (2.0 / 3) - (14.0 / 17)) / 2;
        Assert.Equal(expected, lead.Lead, 12);
        Assert.Equal(ClassificationMetrics.Compute(gold, a, 2).MacroF1 - ClassificationMetrics.Compute(gold, b, 2).MacroF1, lead.Lead, 12);
        Assert.InRange(lead.StandardError, 0.05, 0.5);
        Assert.Equal(lead, PairedLead.Of(EvaluationMetric.MacroF1, a, b, gold, 2));
        Assert.Throws<InvalidOperationException>(() => lead.LeadRows);
    }

    [Fact]
    public void A_lead_on_fewer_than_two_rows_cannot_be_judged()
    {
        var lead = PairedLead.Of(EvaluationMetric.Accuracy, [1, 0], [0, 0], [1, -1], 2);
        Assert.True(double.IsNaN(lead.StandardError));
        Assert.False(lead.Exceeds(0));
    }

    [Fact]
    public void A_class_collapses_when_it_holds_five_percent_of_gold_and_gets_under_a_third_of_that_share()
    {
        // Gold: 70 % class 0, 20 % class 1, 6 % class 2, 4 % class 3. Predicted: 90 %, 6.6 %, 1.9 %, 1.5 %.
        IReadOnlyList<double> gold = [0.70, 0.20, 0.06, 0.04];
        var collapsed = ClassCollapse.Find(gold, [0.90, 0.066, 0.019, 0.015]);

        // Class 1: 0.066 < 0.20 / 3; class 2: 0.019 < 0.02; class 3 holds under 5 % of gold, so it is not judged.
        Assert.Equal([1, 2], collapsed.Select(c => c.Class));
        Assert.Empty(ClassCollapse.Find(gold, [0.88, 0.067, 0.02, 0.0]));
        Assert.Equal("neutral (20% of gold, 6.6% predicted), negative (6% of gold, 1.9% predicted)", ClassCollapse.Describe(collapsed, ["positive", "neutral", "negative", "other"]));
    }

    [Fact]
    public void Collapse_is_judged_on_the_rows_with_gold_only()
    {
        int[] gold = [0, 0, 0, 1, 1, 1, -1, -1, -1, -1];
        int[] everythingZero = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
        var collapsed = Assert.Single(ClassCollapse.Find(gold, everythingZero, 2));
        Assert.Equal((1, 0.5, 0.0), (collapsed.Class, collapsed.GoldShare, collapsed.PredictedShare));
        Assert.Equal([0.6, 0.4], ClassCollapse.Shares(everythingZero, 2));
    }

    [Fact]
    public void A_candidate_that_leaves_out_a_class_never_wins_even_when_it_is_more_accurate()
    {
        // Twenty rows, four of class 1 (20 %). "all-zero" is right on 16; "finds-ones" finds three of the four ones but
        // also calls four zeros ones: right on 15. By accuracy all-zero would win; it leaves class 1 out.
        var gold = Enumerable.Range(0, 20).Select(r => r < 4 ? 1 : 0).ToArray();
        var allZero = new int[20];
        var findsOnes = gold.Select((g, r) => r < 3 || (r >= 4 && r < 8) ? 1 : 0).ToArray();
        ValidCandidate[] candidates = [new("finds-ones", findsOnes), new("all-zero", allZero)];

        var choice = ValidChoice.Choose(candidates, defaultIndex: 0, gold, 2, EvaluationMetric.Accuracy, ["zero", "one"]);
        Assert.Equal((0, 0), (choice.Chosen, choice.Best));
        Assert.Equal([0.75, 0.8], choice.Scored.Select(s => s.Score));
        Assert.Equal("one (20% of gold, 0% predicted)", ClassCollapse.Describe(choice.Scored[1].Collapsed, ["zero", "one"]));
        Assert.Null(choice.Warning);

        // With the collapsing candidate as the default, the one that keeps every class replaces it without a lead.
        choice = ValidChoice.Choose([.. candidates.Reverse()], defaultIndex: 0, gold, 2, EvaluationMetric.Accuracy, ["zero", "one"]);
        Assert.Equal(1, choice.Chosen);
        Assert.StartsWith("the default, all-zero, leaves out one (20% of gold, 0% predicted)", choice.Reason, StringComparison.Ordinal);

        // When every candidate leaves the class out they all compete (one-one leads by a row, within noise) and a warning says so.
        choice = ValidChoice.Choose([new ValidCandidate("all-zero", allZero), new ValidCandidate("one-one", gold.Select((_, r) => r == 0 ? 1 : 0).ToArray())], 0, gold, 2, EvaluationMetric.Accuracy);
        Assert.Equal((0, 1), (choice.Chosen, choice.Best));
        Assert.Equal("every candidate leaves out a class of valid's gold labels; all-zero labels class 1 (20% of gold, 0% predicted)", choice.Warning);
    }

    [Fact]
    public void The_default_stays_unless_the_best_leads_it_by_more_than_two_standard_errors()
    {
        // 100 rows. "better" is right on 3 rows the default gets wrong: lead 3 rows, standard error sqrt(3 - 0.09) / 10 * 10 = 1.71 rows.
        var gold = new int[100];
        var defaultPredicted = gold.Select((_, r) => r < 3 ? 1 : 0).ToArray();
        var better = new int[100];
        var choice = ValidChoice.Choose([new ValidCandidate("default", defaultPredicted), new ValidCandidate("better", better)], 0, gold, 2, EvaluationMetric.Accuracy);
        Assert.Equal((0, 1), (choice.Chosen, choice.Best));
        Assert.Equal(3, choice.LeadOverDefault!.Value.LeadRows);
        Assert.Equal(Math.Sqrt((3 - (100 * 0.03 * 0.03)) / 99) * 10, choice.LeadOverDefault.Value.StandardErrorRows, 9);
        Assert.Contains("within 2 standard errors, so the default was kept", choice.Reason);

        // Eight rows ahead: 8 > 2 x 2.73.
        defaultPredicted = gold.Select((_, r) => r < 8 ? 1 : 0).ToArray();
        choice = ValidChoice.Choose([new ValidCandidate("default", defaultPredicted), new ValidCandidate("better", better)], 0, gold, 2, EvaluationMetric.Accuracy);
        Assert.Equal(1, choice.Chosen);
        Assert.Contains("more than 2 standard errors", choice.Reason);

        // Equal scores keep the default whatever the tie-break says; among the rest the lower tie-break ranks first.
        choice = ValidChoice.Choose([new ValidCandidate("default", better, 0.9), new ValidCandidate("same", better, 0.1), new ValidCandidate("worse", defaultPredicted)], 0, gold, 2, EvaluationMetric.Accuracy);
        Assert.Equal((0, 0), (choice.Chosen, choice.Best));
        choice = ValidChoice.Choose([new ValidCandidate("default", defaultPredicted), new ValidCandidate("a", better, 0.5), new ValidCandidate("b", better, 0.1)], 0, gold, 2, EvaluationMetric.Accuracy);
        Assert.Equal(2, choice.Best);
    }
}
