using Alchemist.OfflineSynthesis;
using Alchemist.Programs;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Core.Tests.OfflineSynthesis;

/// <summary>The offline synthesizer for number inputs (threshold programs), alone; <c>ThresholdRunTests</c> runs it in projects.</summary>
public sealed class ThresholdSynthesizerTests
{
    private static readonly string[] Classes = ["cat", "dog"];

    [Fact]
    public void A_separating_feature_gets_one_rule_per_class_with_the_threshold_between_the_groups_and_a_noise_feature_none()
    {
        // dogScore: cats 0.10..0.39, dogs 0.61..0.90; noise: the same values under both classes.
        var dogScore = new List<double>();
        var noise = new List<double>();
        var labels = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            dogScore.Add(0.1 + (i / 100.0));
            noise.Add(i % 10);
            labels.Add(0);
            dogScore.Add(0.61 + (i / 100.0));
            noise.Add(i % 10);
            labels.Add(1);
        }

        var programs = ThresholdSynthesizer.Synthesize([[.. dogScore], [.. noise]], ["dogScore", "noise"], labels, Classes).Programs;

        Assert.Equal(2, programs.Count);
        Assert.All(programs, p => Assert.Equal("dogScore", p.Rule.Feature));
        var dog = Assert.Single(programs, p => p.Rule.Class == 1);
        Assert.Equal(ThresholdDirection.AtLeast, dog.Rule.Direction);
        Assert.Equal(0.5, dog.Rule.Threshold, 9);
        Assert.Equal((30, 30), (dog.Rule.Fires, dog.Rule.Correct));
        var cat = Assert.Single(programs, p => p.Rule.Class == 0);
        Assert.Equal(ThresholdDirection.AtMost, cat.Rule.Direction);
        Assert.Equal(0.5, cat.Rule.Threshold, 9);
        Assert.Equal("dog-dogscore-at-least", dog.Name);
        Assert.Contains("public static int Label(Row row)", dog.Source, StringComparison.Ordinal);
        Assert.Contains("offline synthesizer", dog.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Written_programs_compile_in_the_sandbox_and_vote_exactly_as_the_rules_do_missing_values_abstaining()
    {
        var random = new Random(7);
        var (features, labels) = CatDogScores.Sample(random, 200);
        var programs = ThresholdSynthesizer.Synthesize(features, ["catScore", "dogScore"], labels, Classes, ["CatScore", "DogScore"]).Programs;
        Assert.NotEmpty(programs);

        var (unseen, _) = CatDogScores.Sample(random, 300);
        unseen[0][3] = double.NaN;
        unseen[1][3] = double.NaN;
        // Values exactly at each program's threshold, and infinities, where a comparison written otherwise would differ.
        for (var j = 0; j < programs.Count; j++)
        {
            unseen[programs[j].Rule.FeatureIndex][10 + j] = programs[j].Rule.Threshold;
        }

        unseen[0][4] = double.PositiveInfinity;
        unseen[1][4] = double.NegativeInfinity;
        unseen[0][5] = double.NegativeInfinity;
        unseen[1][5] = double.PositiveInfinity;
        var expected = ThresholdSynthesizer.Votes(programs, unseen, 300, 2);
        var compiler = new ProgramCompiler(new ProgramSignature([new InputField("catScore", InputType.Number), new InputField("dogScore", InputType.Number)], Classes));
        var columns = new ProgramColumns([], unseen, 300);
        for (var j = 0; j < programs.Count; j++)
        {
            var compiled = compiler.Compile(programs[j].Source, programs[j].Name);
            Assert.True(compiled.Succeeded, $"{programs[j].Name}: {compiled.FeedbackForLlm()}");
            using var loaded = compiled.Program!.Load();
            var votes = new sbyte[300];
            loaded.CreateInvoker().LabelRange(columns, 0, votes, 0);
            Assert.Equal(expected.Column(j).ToArray(), votes);
            Assert.Equal(-1, votes[3]);
        }
    }

    [Fact]
    public void A_class_between_two_others_gets_a_program_between_two_thresholds_that_votes_in_the_sandbox_as_its_rule_does()
    {
        // One score: low 0.00..0.27, middle 0.40..0.67, high 0.80..1.07, ten rows each (steps of 0.03). No one-sided region
        // holds the middle class; the thresholds fall halfway across the gaps, at 0.335 and 0.735.
        string[] classes = ["low", "middle", "high"];
        var score = new List<double>();
        var labels = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            foreach (var (c, start) in new[] { (0, 0.0), (1, 0.4), (2, 0.8) })
            {
                score.Add(start + (i * 0.03));
                labels.Add(c);
            }
        }

        var synthesis = ThresholdSynthesizer.Synthesize([[.. score]], ["score"], labels, classes, ["Score"]);

        Assert.Empty(synthesis.UncoveredClasses);
        var middle = Assert.Single(synthesis.Programs, p => p.Rule.Class == 1);
        Assert.Equal(ThresholdDirection.Between, middle.Rule.Direction);
        Assert.Equal(0.335, middle.Rule.Threshold, 9);
        Assert.Equal(0.735, middle.Rule.Upper, 9);
        Assert.Equal((10, 10), (middle.Rule.Fires, middle.Rule.Correct));
        Assert.Null(middle.CoverageStrictness);
        Assert.Equal("middle-score-between", middle.Name);
        Assert.Contains("between 0.335 and 0.735", middle.Source, StringComparison.Ordinal);

        // Compiled in the sandbox, it votes as the rule does, the thresholds themselves included and NaN abstaining.
        double[] unseen = [0.335, 0.735, 0.3349, 0.7351, 0.5, double.NaN, double.NegativeInfinity, double.PositiveInfinity];
        var expected = ThresholdSynthesizer.Votes([middle], [unseen], unseen.Length, 3).Column(0).ToArray();
        Assert.Equal(new sbyte[] { 1, 1, -1, -1, 1, -1, -1, -1 }, expected);
        var compiled = new ProgramCompiler(new ProgramSignature([new InputField("score", InputType.Number)], classes)).Compile(middle.Source, middle.Name);
        Assert.True(compiled.Succeeded, compiled.FeedbackForLlm());
        using var loaded = compiled.Program!.Load();
        var votes = new sbyte[unseen.Length];
        loaded.CreateInvoker().LabelRange(new ProgramColumns([], [unseen], unseen.Length), 0, votes, 0);
        Assert.Equal(expected, votes);
    }

    [Fact]
    public void A_class_no_region_of_any_input_holds_is_named_with_the_reason_and_one_with_too_few_rows_is_not()
    {
        // "tie" rows carry the same scores as the other two classes' rows, alternately: no region beats its prior. "rare" has
        // 4 rows, under the 5 a class needs before it is owed a program.
        string[] classes = ["a", "b", "tie", "rare"];
        var score = new List<double>();
        var labels = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            score.Add(i * 0.01);
            labels.Add(0);
            score.Add(1 + (i * 0.01));
            labels.Add(1);
            score.Add(i % 2 == 0 ? i * 0.01 : 1 + (i * 0.01));
            labels.Add(2);
        }

        for (var i = 0; i < 4; i++)
        {
            score.Add(0.5 + (i * 0.1));
            labels.Add(3);
        }

        var synthesis = ThresholdSynthesizer.Synthesize([[.. score]], ["score"], labels, classes);

        Assert.DoesNotContain(synthesis.Programs, p => p.Rule.Class is 2 or 3);
        var tie = Assert.Single(synthesis.UncoveredClasses);
        Assert.Equal((2, "tie", 20), (tie.Class, tie.Name, tie.SampleRows));
        Assert.StartsWith("no number input has a region (at least, at most or between two thresholds) holding at least", tie.Reason, StringComparison.Ordinal);
        Assert.Contains("the least strictness tried", tie.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Equal_values_are_never_split_and_the_threshold_lies_between_the_last_value_in_and_the_first_out()
    {
        double[] x = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4];
        int[] labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1];

        var programs = ThresholdSynthesizer.Synthesize([x], ["x"], labels, Classes).Programs;

        Assert.Equal(2.5, Assert.Single(programs, p => p.Rule.Class == 1).Rule.Threshold);
        Assert.Equal(2.5, Assert.Single(programs, p => p.Rule.Class == 0).Rule.Threshold);
    }

    [Fact]
    public void Infinite_and_huge_values_give_thresholds_that_are_finite_literals_and_count_what_the_rule_fires_on()
    {
        double[] x = [double.NegativeInfinity, -1.6e308, -1.5e308, -1.5e308, 1.5e308, 1.5e308, 1.6e308, double.PositiveInfinity];
        int[] labels = [0, 0, 0, 0, 1, 1, 1, 1];

        var programs = ThresholdSynthesizer.Synthesize([x], ["x"], labels, Classes, options: new OfflineSynthesisOptions { MinSupport = 2 }).Programs;

        Assert.Equal(2, programs.Count);
        foreach (var program in programs)
        {
            Assert.True(double.IsFinite(program.Rule.Threshold), program.Source);
            Assert.Equal(4, program.Rule.Fires);
            Assert.Equal(4, x.Count(program.Rule.FiresOn));
            Assert.DoesNotContain("Infinity", program.Source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rules_whose_names_would_be_the_same_get_distinct_names_so_no_program_file_overwrites_another()
    {
        // Two features that slug alike, each separating a different half of the dogs.
        // A third, with a field name longer than a program name may be, separates yet another set of dogs.
        var first = new double[80];
        var second = new double[80];
        var third = new double[80];
        var labels = new int[80];
        for (var r = 0; r < 80; r++)
        {
            labels[r] = r < 40 ? 1 : 0;
            first[r] = r < 20 ? 0.9 : 0.1;
            second[r] = r is >= 20 and < 40 ? 0.9 : 0.1;
            third[r] = r is < 10 or (>= 20 and < 30) ? 0.9 : 0.1;
        }

        var longName = "clip_similarity_to_the_prompt_a_photograph_of_a_domestic_dog_sitting_indoors_on_a_sofa_or_a_bed";
        var programs = ThresholdSynthesizer.Synthesize([first, second, third], ["a_b", "a__b", longName], labels, Classes).Programs;

        Assert.Equal(3, programs.Count(p => p.Rule.Class == 1));

        // Cats read 0.1 everywhere, as half the dogs do: at the chosen strictness no region holds them, and the coverage step
        // keeps one at a lower strictness that still beats their prior (40 of 60 rows against 0.5).
        var cat = Assert.Single(programs, p => p.Rule.Class == 0);
        Assert.NotNull(cat.CoverageStrictness);
        Assert.Equal((60, 40), (cat.Rule.Fires, cat.Rule.Correct));
        Assert.Equal(["dog-a-b-at-least", "dog-a-b-at-least-2"], programs.Where(p => p.Name.StartsWith("dog-a-b", StringComparison.Ordinal)).Select(p => p.Name).Order());
        var clip = Assert.Single(programs, p => p.Name.StartsWith("dog-clip-similarity", StringComparison.Ordinal));
        Assert.InRange(clip.Name.Length, 1, 100);
        _ = new ProgramFile(clip.Name, new ProgramProvenance { Kind = ProgramAuthorKind.Synthesizer, Created = DateTimeOffset.UnixEpoch }, clip.Source);
    }

    [Fact]
    public void Inputs_that_do_not_line_up_are_refused_with_what_is_wrong()
    {
        var ragged = Assert.Throws<ArgumentException>(() => ThresholdSynthesizer.Synthesize([[0.1, 0.2], [0.3]], ["a", "b"], [0, 1], Classes));
        Assert.Contains("a feature column has 1 values for 2 labeled rows", ragged.Message, StringComparison.Ordinal);
        var label = Assert.Throws<ArgumentException>(() => ThresholdSynthesizer.Synthesize([[0.1, 0.2]], ["a"], [0, 2], Classes));
        Assert.Contains("label 2 is not a class index (0..1)", label.Message, StringComparison.Ordinal);
    }


    [Fact]
    public void Under_groups_a_threshold_keeps_a_small_group_of_the_other_class_out_of_its_region()
    {
        // Class 0 (group a) lies at 10..49, class 1 mostly at -40..-1 (group c), but 4 rows of class 1 (group b) at 10.5..13.5.
        var values = new List<double>();
        var labels = new List<int>();
        var groups = new List<string>();
        void Add(double value, int label, string group)
        {
            values.Add(value);
            labels.Add(label);
            groups.Add(group);
        }

        for (var i = 0; i < 40; i++)
        {
            Add(10 + i, 0, "a");
            Add(-40 + i, 1, "c");
        }

        for (var i = 0; i < 4; i++)
        {
            Add(10.5 + i, 1, "b");
        }

        double ThresholdOfClass0(IReadOnlyList<string>? given) =>
            ThresholdSynthesizer.Synthesize([[.. values]], ["x"], labels, Classes, groups: given).Programs
                .Single(p => p.Rule.Class == 0 && p.Rule.Direction == ThresholdDirection.AtLeast).Rule.Threshold;

        // Pooled, the 4 rows cost less F1 than the 4 class-0 rows among them; balanced by group, they cost more.
        Assert.True(ThresholdOfClass0(null) < 10.5, $"pooled threshold {ThresholdOfClass0(null)}");
        Assert.True(ThresholdOfClass0(groups) > 13.5, $"group-balanced threshold {ThresholdOfClass0(groups)}");

        // Blank group cells are no group: the 4 rows weigh 1 each, as pooled, not 7 each as a group of their own would.
        var blank = groups.Select(g => g == "b" ? "" : g).ToList();
        Assert.Equal(ThresholdOfClass0(null), ThresholdOfClass0(blank));
    }
}
