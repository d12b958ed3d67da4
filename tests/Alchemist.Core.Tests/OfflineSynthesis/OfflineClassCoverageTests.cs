using Alchemist.Evaluation;
using Alchemist.OfflineSynthesis;
using Xunit;

namespace Alchemist.Core.Tests.OfflineSynthesis;

/// <summary>
/// The offline synthesizer on an imbalanced hand-made sample: every class with at least five labeled rows gets a program,
/// at a strictness lowered for it alone (still above its own prior), or a reason that says why not.
/// </summary>
public sealed class OfflineClassCoverageTests
{
    private static readonly string[] Classes = ["common", "refund", "legal", "silent"];

    /// <summary>
    /// 120 rows: 95 common, 14 refund (each says "refund"), 6 legal (4 say "lawsuit", which 2 common rows say too) and
    /// 5 silent (nothing but the shared words). Every row has three of eight shared words.
    /// </summary>
    private static (string[] Texts, int[] Labels) Sample()
    {
        string[] shared = ["order", "account", "today", "thanks", "item", "store", "late", "again"];
        var random = new Random(11);
        var texts = new List<string>();
        var labels = new List<int>();
        void Add(int label, string extra)
        {
            texts.Add(string.Join(' ', Enumerable.Range(0, 3).Select(_ => shared[random.Next(shared.Length)])) + extra);
            labels.Add(label);
        }

        for (var i = 0; i < 95; i++)
        {
            Add(0, i < 2 ? " lawsuit" : "");
        }

        for (var i = 0; i < 14; i++)
        {
            Add(1, " refund");
        }

        for (var i = 0; i < 6; i++)
        {
            Add(2, i < 4 ? " lawsuit" : "");
        }

        for (var i = 0; i < 5; i++)
        {
            Add(3, "");
        }

        return ([.. texts], [.. labels]);
    }

    [Fact]
    public void A_rare_class_gets_a_program_at_a_lowered_strictness_and_a_class_with_no_signal_gets_a_reason()
    {
        var (texts, labels) = Sample();
        var options = new OfflineSynthesisOptions { Strictness = 0.6, Scoring = ScoringSettings.None };

        var result = OfflineSynthesizer.SynthesizeWithChoice(texts, labels, Classes, options);

        // "lawsuit": 4 of its 6 rows are legal; smoothed (4 + 2·prior) / (6 + 2) with prior (6 + 1) / (120 + 4) = 0.0565
        // is 0.514, under 0.0565 + 0.9435·0.6 = 0.623 but over 0.0565 + 0.9435·0.35 = 0.387.
        var legalPrograms = result.Programs.Where(p => p.Class == 2).ToList();
        Assert.True(legalPrograms.Count > 0, string.Join("\n", result.Programs.Select(p => $"{p.Name}: {string.Join(", ", p.Rules.Select(r => r.Key))}")));
        Assert.All(legalPrograms, p => Assert.Equal(0.35, p.CoverageStrictness));
        var legal = Assert.Single(legalPrograms, p => p.Family == RuleFamily.Keyword);
        var lawsuit = Assert.Single(legal.Rules);
        Assert.Equal(("lawsuit", 6, 4), (lawsuit.Key, lawsuit.Fires, lawsuit.Correct));
        Assert.Equal((4 + (2 * 7 / 124.0)) / 8, lawsuit.Precision, 9);
        Assert.Contains("rule strictness 0.35, below the chosen 0.60", legal.Source, StringComparison.Ordinal);
        Assert.All(result.Programs.Where(p => p.Class != 2), p => Assert.Null(p.CoverageStrictness));
        Assert.Contains(result.Programs, p => p.Class == 1);

        var silent = Assert.Single(result.UncoveredClasses);
        Assert.Equal((3, "silent", 5), (silent.Class, silent.Name, silent.SampleRows));
        Assert.Contains("no word, phrase, opening or pattern on at least 2 of its 5 sample rows", silent.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_class_under_five_rows_is_neither_covered_nor_reported()
    {
        var (texts, labels) = Sample();
        // Drop the last silent row: four are left, under the five that ask for a program.
        var result = OfflineSynthesizer.SynthesizeWithChoice(texts[..^1], labels[..^1], Classes, new OfflineSynthesisOptions { Strictness = 0.6, Scoring = ScoringSettings.None });
        Assert.Empty(result.UncoveredClasses);
        Assert.DoesNotContain(result.Programs, p => p.Class == 3);
    }

    [Fact]
    public void Trimming_to_the_program_limit_keeps_each_class_s_best_program()
    {
        var (texts, labels) = Sample();
        var all = OfflineSynthesizer.SynthesizeWithChoice(texts, labels, Classes, new OfflineSynthesisOptions { Strictness = 0.35, Scoring = ScoringSettings.None });
        var trimmed = OfflineSynthesizer.SynthesizeWithChoice(texts, labels, Classes, new OfflineSynthesisOptions { Strictness = 0.35, Scoring = ScoringSettings.None, MaxPrograms = 1 });
        var classes = all.Programs.Select(p => p.Class).Distinct().Order().ToArray();
        Assert.Contains(2, classes);
        Assert.True(all.Programs.Count > classes.Length, "the sample must give some class two programs for the limit to bite");
        Assert.Equal(classes, trimmed.Programs.Select(p => p.Class).Order());
        Assert.All(trimmed.Programs, p => Assert.Equal(all.Programs.Where(q => q.Class == p.Class).Max(q => q.Correct), p.Correct));
    }

    [Fact]
    public void Choosing_by_macro_f1_scores_every_candidate_in_both_metrics_and_keeps_the_rare_class()
    {
        var (texts, labels) = Sample();
        var result = OfflineSynthesizer.SynthesizeWithChoice(texts, labels, Classes, new OfflineSynthesisOptions { Metric = EvaluationMetric.MacroF1 });
        Assert.Equal(EvaluationMetric.MacroF1, result.Metric);
        Assert.Equal(new OfflineSynthesisOptions().StrictnessCandidates.Count * new OfflineSynthesisOptions().ScoringCandidates.Count, result.Scores.Count);
        Assert.All(result.Scores, s => Assert.InRange(s.MacroF1, 0.0, 1.0));
        Assert.Contains(result.Scores, s => s.MacroF1 != s.Accuracy);
        Assert.Contains(result.Programs, p => p.Class == 2);
        Assert.Contains("held-out majority-vote macro-F1", result.Programs[0].Source, StringComparison.Ordinal);
    }
}
