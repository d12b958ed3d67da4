using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.LabelModels;
using Xunit;

namespace Alchemist.Core.Tests.LabelModels;

public class LabelModelTests
{
    /// <summary>A matrix from rows of votes (-1 = abstain), row-major as written in the test.</summary>
    internal static LabelMatrix Matrix(int classes, params sbyte[][] rows)
    {
        var programs = rows[0].Length;
        var matrix = new LabelMatrix(rows.Length, classes, Enumerable.Range(0, programs).Select(j => $"p{j}").ToArray());
        for (var r = 0; r < rows.Length; r++)
        {
            for (var j = 0; j < programs; j++)
            {
                matrix[r, j] = rows[r][j];
            }
        }

        return matrix;
    }

    internal static float[] Probabilities(ILabelModel model, LabelMatrix votes)
    {
        var probabilities = new float[votes.Rows * votes.Classes];
        model.PredictProbabilities(votes, probabilities);
        return probabilities;
    }

    [Fact]
    public void Majority_vote_splits_ties_equally_and_gives_rows_without_votes_the_prior()
    {
        var votes = Matrix(
            3,
            [0, 0, 1],     // unique winner 0
            [2, 1, -1],    // tie between 1 and 2
            [-1, -1, -1],  // no vote
            [2, 2, 2]);    // unanimous
        var model = new MajorityVote();
        model.Fit(votes, ClassBalance.FromGiven([0.6, 0.3, 0.1]));

        var p = Probabilities(model, votes);
        Assert.Equal([1f, 0f, 0f], p[0..3]);
        Assert.Equal([0f, 0.5f, 0.5f], p[3..6]);
        Assert.Equal(0.6f, p[6], 5);
        Assert.Equal(0.3f, p[7], 5);
        Assert.Equal(0.1f, p[8], 5);
        Assert.Equal([0f, 0f, 1f], p[9..12]);
        Assert.Contains(model.Notes, n => n.Contains(MajorityVote.TieRule) && n.Contains("1 of 4 fitted rows were tied"));
        Assert.Contains(model.Notes, n => n.Contains("class prior") && n.Contains("1 of 4 fitted rows had no vote"));
    }

    [Fact]
    public void Majority_vote_gives_a_tie_to_the_side_whose_voters_are_more_specific()
    {
        // Program 0 votes on every row (generic), program 1 on two of eight (specific); row 0 is a 1-1 tie between them.
        var votes = Matrix(2, [0, 1], [0, -1], [0, -1], [0, -1], [0, -1], [0, -1], [0, -1], [1, 1]);
        var model = new MajorityVote();
        model.Fit(votes, ClassBalance.Uniform);

        // Shares 1/1.0 and 1/0.25, normalised: 0.2 for the generic side and 0.8 for the specific side.
        var p = Probabilities(model, votes);
        Assert.Equal(0.2f, p[0], 5);
        Assert.Equal(0.8f, p[1], 5);
    }

    [Fact]
    public void Estimated_class_balance_counts_unique_majority_winners_with_one_pseudo_row_per_class()
    {
        var votes = Matrix(2, [1, 1], [1, -1], [0, 1], [0, 0], [-1, -1]);
        var model = new MajorityVote();
        model.Fit(votes, ClassBalance.Estimated);

        // Winners: class 1 twice, class 0 once; tie and empty row count for neither. (1 + 1) / 5 and (2 + 1) / 5.
        Assert.Equal(0.4, model.ClassPrior[0], 10);
        Assert.Equal(0.6, model.ClassPrior[1], 10);
    }

    [Fact]
    public void A_given_class_balance_of_the_wrong_length_or_with_a_zero_is_refused()
    {
        var votes = Matrix(3, [0, 1], [2, 2]);
        Assert.Contains("3 classes", Assert.Throws<ArgumentException>(() => new MajorityVote().Fit(votes, ClassBalance.FromGiven([0.5, 0.5]))).Message);
        Assert.Contains("entry 1", Assert.Throws<ArgumentException>(() => new MajorityVote().Fit(votes, ClassBalance.FromGiven([0.5, 0, 0.5]))).Message);
    }

    [Fact]
    public void Prediction_on_a_matrix_of_another_shape_names_the_model_and_both_shapes()
    {
        var model = new MatrixCompletion();
        model.Fit(SyntheticVotes.Generate(2000, 5, 2, seed: 3).Votes, ClassBalance.Uniform);
        var other = Matrix(2, [0, 1, 1], [1, 1, 0]);
        var error = Assert.Throws<ArgumentException>(() => model.PredictProbabilities(other, new float[6]));
        Assert.Contains("'metal'", error.Message);
        Assert.Contains("5 programs", error.Message);
        Assert.Throws<InvalidOperationException>(() => new DawidSkene().PredictProbabilities(other, new float[6]));
    }

    [Theory]
    [InlineData("ds")]
    [InlineData("metal")]
    [InlineData("fs")]
    public void Binary_models_recover_the_accuracies_of_conditionally_independent_programs(string name)
    {
        var data = SyntheticVotes.Generate(60_000, 12, 2, seed: 11);
        var truth = data.EmpiricalAccuracies();
        var model = LabelModelCatalog.Create(name);
        model.Fit(data.Votes, ClassBalance.Estimated);

        var error = truth.Zip(model.EstimatedAccuracies, (t, e) => Math.Abs(t - e)).Average();
        Assert.True(error < 0.015, $"{name}: mean absolute accuracy error {error:0.####}");

        var accuracy = Accuracy(model, data.Votes, data.Gold);
        var majority = Accuracy(Fitted("mv", data.Votes), data.Votes, data.Gold);
        Assert.True(accuracy > majority + 0.01, $"{name}: label accuracy {accuracy:0.###} should beat majority vote's {majority:0.###}");
    }

    [Theory]
    [InlineData("ds")]
    [InlineData("metal")]
    public void Multi_class_models_recover_accuracies_and_beat_majority_vote(string name)
    {
        var data = SyntheticVotes.Generate(60_000, 10, 4, seed: 5, classPrior: [0.4, 0.3, 0.2, 0.1]);
        var truth = data.EmpiricalAccuracies();
        var model = LabelModelCatalog.Create(name);
        model.Fit(data.Votes, ClassBalance.Estimated);

        var error = truth.Zip(model.EstimatedAccuracies, (t, e) => Math.Abs(t - e)).Average();
        Assert.True(error < 0.03, $"{name}: mean absolute accuracy error {error:0.####}");
        var accuracy = Accuracy(model, data.Votes, data.Gold);
        var majority = Accuracy(Fitted("mv", data.Votes), data.Votes, data.Gold);
        Assert.True(accuracy > majority, $"{name}: label accuracy {accuracy:0.###} should beat majority vote's {majority:0.###}");
    }

    [Fact]
    public void Flying_squid_handles_many_classes_one_versus_rest()
    {
        var data = SyntheticVotes.Generate(40_000, 10, 3, seed: 8);
        var model = Fitted("fs", data.Votes);
        Assert.Equal(3, model.ClassPrior.Count);
        Assert.All(model.EstimatedAccuracies, a => Assert.InRange(a, 0.5, 1.0));
        var accuracy = Accuracy(model, data.Votes, data.Gold);
        var majority = Accuracy(Fitted("mv", data.Votes), data.Votes, data.Gold);
        Assert.True(accuracy > majority - 0.02, $"fs {accuracy:0.###} against majority vote {majority:0.###}");
        var p = Probabilities(model, data.Votes);
        for (var r = 0; r < 100; r++)
        {
            Assert.Equal(1f, p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2], 4);
        }
    }

    [Fact]
    public void Weighted_majority_vote_trusts_accurate_programs_more()
    {
        // Three programs that are always right and always vote, two that are right only 60 % of the time.
        var data = SyntheticVotes.Generate(20_000, 5, 2, seed: 2, accuracyLow: 0.6, accuracyHigh: 0.6, coverageLow: 1, coverageHigh: 1);
        for (var j = 0; j < 3; j++)
        {
            var column = data.Votes.ColumnForWriting(j);
            for (var r = 0; r < column.Length; r++)
            {
                column[r] = (sbyte)data.Gold[r];
            }
        }

        var model = (WeightedMajorityVote)Fitted("wmv", data.Votes);
        Assert.True(model.Weights[0] > model.Weights[4] + 1, string.Join(", ", model.Weights));
        Assert.True(model.EstimatedAccuracies[0] > 0.95 && model.EstimatedAccuracies[4] < 0.75, string.Join(", ", model.EstimatedAccuracies));
        Assert.Equal(1.0, Accuracy(model, data.Votes, data.Gold));
    }

    [Fact]
    public void Dawid_skene_learns_that_a_program_that_did_not_fire_is_evidence()
    {
        var (votes, gold) = OneFiringProgramACoinAndAGoodVoter();
        var converged = new DawidSkene { MaxIterations = 100 };
        converged.Fit(votes, ClassBalance.Estimated);
        Assert.True(converged.Confusion[0, 0, 2] > 0.95, $"P(program 0 abstains | class 0) = {converged.Confusion[0, 0, 2]:0.###}");
        Assert.True(Accuracy(converged, votes, gold) > 0.9);

        // The default stops after one round from majority vote; abstaining is already evidence there.
        var oneRound = (DawidSkene)Fitted("ds", votes);
        Assert.True(oneRound.Confusion[0, 0, 2] > oneRound.Confusion[0, 1, 2] + 0.5, $"P(abstain | class 0) = {oneRound.Confusion[0, 0, 2]:0.###}, P(abstain | class 1) = {oneRound.Confusion[0, 1, 2]:0.###}");
        Assert.True(Accuracy(oneRound, votes, gold) > 0.9);
    }

    [Fact]
    public void Dawid_skene_over_votes_cast_learns_each_programs_firing_rate_but_reads_no_abstain()
    {
        var (votes, gold) = OneFiringProgramACoinAndAGoodVoter();
        var converged = new DawidSkene { MaxIterations = 100, AbstainsAreEvidence = false };
        converged.Fit(votes, ClassBalance.FromGiven([0.5, 0.5]));
        // Truth: program 0 abstains on every class-0 row and on a tenth of class-1 rows. The posterior reads only votes cast,
        // so the 300 class-0 rows program 2 gets wrong count as class 1, where program 0 did not fire either: P(abstain |
        // class 1) reads about (200 + 300) / 2000, not 0.1. The price of not counting abstains, which real programs'
        // correlations can make worth paying (see DawidSkene); ds, which reads abstains, gets above 0.9 here.
        Assert.True(converged.Confusion[0, 0, 2] > 0.85, $"P(program 0 abstains | class 0) = {converged.Confusion[0, 0, 2]:0.###}");
        Assert.InRange(converged.Confusion[0, 1, 2], 0.2, 0.35);
        Assert.InRange(converged.Confusion[1, 0, 1], 0.45, 0.55);

        var oneRound = (DawidSkene)Fitted("ds-votes", votes);
        Assert.True(oneRound.Confusion[0, 0, 2] > oneRound.Confusion[0, 1, 2] + 0.5, $"P(abstain | class 0) = {oneRound.Confusion[0, 0, 2]:0.###}, P(abstain | class 1) = {oneRound.Confusion[0, 1, 2]:0.###}");
        Assert.True(Accuracy(oneRound, votes, gold) > 0.85);
    }

    /// <summary>
    /// Program 0 votes 1 on nine in ten class-1 rows and never on class-0 rows; program 1 is a coin that always votes;
    /// program 2 always votes and is right on 85 % of rows. 4,000 rows, classes alternating.
    /// </summary>
    private static (LabelMatrix Votes, int[] Gold) OneFiringProgramACoinAndAGoodVoter()
    {
        var random = new Random(4);
        var rows = new sbyte[4000][];
        var gold = new int[rows.Length];
        for (var r = 0; r < rows.Length; r++)
        {
            gold[r] = r % 2;
            var fires = gold[r] == 1 && random.NextDouble() < 0.9;
            rows[r] = [(sbyte)(fires ? 1 : -1), (sbyte)random.Next(2), (sbyte)(random.NextDouble() < 0.85 ? gold[r] : 1 - gold[r])];
        }

        return (Matrix(2, rows), gold);
    }

    [Fact]
    public void Dawid_skene_over_votes_cast_gives_the_prior_times_the_rates_of_the_votes_cast()
    {
        // With no EM round the rates are the M-step from the majority-vote start: one-hot rows (rows 0-1 class 0, rows 2-4 class 1) and the prior on the empty row 5:
        // class totals 2.5 and 3.5 of 6 rows. With one pseudo-row at rates 0.1 (right) and 0.01 (wrong):
        // program A votes 0 right at (2 + 0.1) / (2.5 + 1) = 0.6, votes 1 wrongly at 0.01 / (6 - 3.5 + 1);
        // program B votes 1 right at (2 + 0.1) / (3.5 + 1), votes 0 wrongly at 0.01 / (6 - 2.5 + 1).
        var votes = Matrix(2, [0, 0], [0, -1], [1, 1], [-1, 1], [1, -1], [-1, -1]);
        var model = new DawidSkene { MaxIterations = 0, AbstainsAreEvidence = false };
        model.Fit(votes, ClassBalance.FromGiven([0.5, 0.5]));
        Assert.Equal(0.6, model.Confusion[0, 0, 0], 12);
        Assert.Equal(0.01 / 3.5, model.Confusion[0, 0, 1], 12);
        Assert.Equal(2.1 / 4.5, model.Confusion[1, 1, 1], 12);
        Assert.Equal(0.01 / 4.5, model.Confusion[1, 1, 0], 12);

        // A votes 0 and B votes 1: class 0 scores 0.6 x 0.01 / 3.5, class 1 scores 0.01 / 4.5 x 2.1 / 4.5, that is
        // 0.1215 against 0.0735 (times 20.25 x 3.5). Abstains are no evidence: the row no program voted on keeps the prior.
        var p = Probabilities(model, Matrix(2, [0, 1], [-1, -1]));
        Assert.Equal(0.1215 / 0.195, p[0], 5);
        Assert.Equal(0.0735 / 0.195, p[1], 5);
        Assert.Equal(0.5f, p[2], 6);
        Assert.Equal(0.5f, p[3], 6);
    }

    [Fact]
    public void Matrix_completion_fitted_from_merged_shard_statistics_equals_the_fit_on_all_rows()
    {
        var data = SyntheticVotes.Generate(30_000, 8, 3, seed: 9);
        var whole = new MatrixCompletion();
        whole.Fit(data.Votes, ClassBalance.Estimated);

        var merged = LabelStatistics.ComputeShard(data.Votes, 0, 7_001);
        merged.Merge(LabelStatistics.ComputeShard(data.Votes, 7_001, 12_345));
        merged.Merge(LabelStatistics.ComputeShard(data.Votes, 19_346, 30_000 - 19_346));
        var sharded = new MatrixCompletion();
        sharded.Fit(merged, ClassBalance.Estimated);

        Assert.Equal(whole.EstimatedAccuracies, sharded.EstimatedAccuracies);
        Assert.Equal(Probabilities(whole, data.Votes), Probabilities(sharded, data.Votes));
    }

    [Fact]
    public void Every_model_outputs_a_distribution_per_row_and_the_prior_where_no_program_votes()
    {
        var data = SyntheticVotes.Generate(5_000, 6, 3, seed: 1, coverageLow: 0.05, coverageHigh: 0.2);
        foreach (var name in LabelModelCatalog.Names.Where(n => n != "ds"))
        {
            var model = Fitted(name, data.Votes);
            var p = Probabilities(model, data.Votes);
            for (var r = 0; r < data.Votes.Rows; r++)
            {
                var sum = p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2];
                Assert.True(Math.Abs(sum - 1) < 1e-4, $"{name} row {r} sums to {sum}");
                var voted = Enumerable.Range(0, data.Votes.Programs).Any(j => data.Votes[r, j] >= 0);
                if (!voted && name != "fs")
                {
                    Assert.Equal((float)model.ClassPrior[1], p[r * 3 + 1], 4);
                }
            }
        }
    }

    [Fact]
    public void Auto_keeps_majority_vote_unless_another_model_leads_it_by_more_than_two_standard_errors()
    {
        // Unanimous programs: every model labels valid perfectly, so the tie keeps majority vote.
        var train = Matrix(2, [1, 1, 1], [0, 0, 0], [1, 1, -1], [0, -1, 0]);
        var valid = Matrix(2, [1, 1, 1], [0, 0, 0]);
        var auto = LabelModelCatalog.CreateAuto(valid, [1, 0], EvaluationMetric.Accuracy);
        auto.Fit(train, ClassBalance.Uniform);
        Assert.Equal("mv", auto.Chosen);
        Assert.EndsWith("the default, mv, is also the best on valid", auto.Notes[0], StringComparison.Ordinal);

        // Ten programs of accuracies between 0.55 and 0.95: weighting them beats counting them, by far more than noise on 3,000 rows.
        var data = SyntheticVotes.Generate(30_000, 10, 2, seed: 21);
        var validData = SyntheticVotes.Generate(3_000, 10, 2, seed: 21);
        foreach (var metric in Enum.GetValues<EvaluationMetric>())
        {
            var picked = LabelModelCatalog.CreateAuto(validData.Votes, validData.Gold, metric);
            picked.Fit(data.Votes, ClassBalance.Estimated);
            var scores = picked.ValidScores.ToDictionary(s => s.Name, s => s.Score);
            Assert.NotEqual("mv", picked.Chosen);
            var predicted = LabelModelCatalog.PredictLabels(picked, validData.Votes);
            var majority = LabelModelCatalog.Create("mv");
            majority.Fit(data.Votes, ClassBalance.Estimated);
            var lead = PairedLead.Of(metric, predicted, LabelModelCatalog.PredictLabels(majority, validData.Votes), validData.Gold, 2);
            Assert.True(lead.Exceeds(PairedLead.RequiredStandardErrors), $"{picked.Chosen} leads by {lead.Describe()}");
            Assert.Equal(scores.Values.Max(), scores[picked.Chosen]);
            Assert.StartsWith($"chose '{picked.Chosen}' by valid {metric.DisplayName()}", picked.Notes[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Auto_refuses_a_valid_split_without_gold_labels()
    {
        var valid = Matrix(2, [1, 1], [0, 0]);
        Assert.Throws<ArgumentException>(() => LabelModelCatalog.CreateAuto(valid, [-1, -1], EvaluationMetric.Accuracy));
        Assert.Contains("unknown label model 'snorkel'", Assert.Throws<ArgumentException>(() => LabelModelCatalog.Create("snorkel")).Message);
    }

    internal static ILabelModel Fitted(string name, LabelMatrix votes)
    {
        var model = LabelModelCatalog.Create(name);
        model.Fit(votes, ClassBalance.Estimated);
        return model;
    }

    internal static double Accuracy(ILabelModel model, LabelMatrix votes, int[] gold) =>
        ClassificationMetrics.Compute(gold, LabelModelCatalog.PredictLabels(model, votes), votes.Classes).Accuracy;
}
