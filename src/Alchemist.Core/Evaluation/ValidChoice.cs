namespace Alchemist.Evaluation;

/// <summary>One candidate of a choice on valid: its predicted class for every valid row.</summary>
/// <param name="Name">The candidate's name, for notes and reports.</param>
/// <param name="Predicted">Its predicted class for every valid row.</param>
/// <param name="TieBreak">Among equal scores the lower wins (for example log-loss); 0 where nothing breaks ties.</param>
public sealed record ValidCandidate(string Name, int[] Predicted, double TieBreak = 0);

/// <summary>A candidate's valid figures.</summary>
/// <param name="Name">The candidate's name.</param>
/// <param name="Score">By the metric of the choice.</param>
/// <param name="Valid">Its figures on valid.</param>
/// <param name="Collapsed">Classes of valid's gold it leaves out (<see cref="ClassCollapse"/>).</param>
public sealed record ScoredCandidate(string Name, double Score, ClassificationMetrics Valid, IReadOnlyList<CollapsedClass> Collapsed);

/// <summary>The outcome of <see cref="ValidChoice.Choose"/>.</summary>
/// <param name="Chosen">Index of the chosen candidate.</param>
/// <param name="Best">Index of the best candidate on valid among those allowed to compete.</param>
/// <param name="Scored">Every candidate's valid figures, in the order given.</param>
/// <param name="LeadOverDefault">The best's lead over the default, when the best is not the default.</param>
/// <param name="Reason">Why the chosen one was chosen, for notes and logs.</param>
/// <param name="Warning">Set when the chosen candidate leaves out a class, because every candidate does.</param>
public sealed record ValidChoiceResult(
    int Chosen,
    int Best,
    IReadOnlyList<ScoredCandidate> Scored,
    PairedLead? LeadOverDefault,
    string Reason,
    string? Warning);

/// <summary>
/// The one rule of every choice made on the valid split (the label model <c>auto</c> keeps, the final labels' source):
/// <list type="number">
/// <item>a candidate that leaves out a class holding a real share of valid's gold (<see cref="ClassCollapse"/>) competes only
/// when every candidate does, and then the choice carries a warning;</item>
/// <item>the default stays unless the best of the rest leads it by more than <see cref="PairedLead.RequiredStandardErrors"/>
/// standard errors of the paired difference in the metric: on a valid split of a few hundred rows candidates are often a
/// few rows apart, and picking the best there mostly picks noise (docs/architecture.md, "Choosing on valid").</item>
/// </list>
/// A default that leaves out a class while another candidate does not gives way to the best of those that keep every class.
/// </summary>
public static class ValidChoice
{
    /// <summary>Chooses among <paramref name="candidates"/> by the rule of <see cref="ValidChoice"/>.</summary>
    /// <param name="candidates">The candidates, each with a prediction for every valid row.</param>
    /// <param name="defaultIndex">The candidate that stays unless another clearly leads it.</param>
    /// <param name="gold">Valid's gold class per row; negative where a row has none.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="metric">What the candidates are judged by.</param>
    /// <param name="classNames">Names for the classes in the reason and warning; null says "class 2".</param>
    /// <param name="requiredStandardErrors">How far the best must lead the default to replace it; the product uses <see cref="PairedLead.RequiredStandardErrors"/>, the quality bench tries others.</param>
    /// <param name="groups">
    /// Each valid row's group (<c>data.group_field</c>), for <see cref="EvaluationMetric.WorstGroup"/>: candidates are scored
    /// by their worst group's accuracy, and the best's lead over the default is judged on the rows of the default's worst
    /// group. Null (or another metric) leaves groups out, and worst-group is accuracy.
    /// </param>
    public static ValidChoiceResult Choose(
        IReadOnlyList<ValidCandidate> candidates,
        int defaultIndex,
        ReadOnlySpan<int> gold,
        int classes,
        EvaluationMetric metric,
        IReadOnlyList<string>? classNames = null,
        double requiredStandardErrors = PairedLead.RequiredStandardErrors,
        IReadOnlyList<string>? groups = null)
    {
        var byGroup = metric == EvaluationMetric.WorstGroup && groups is not null && groups.Count == gold.Length;
        if (candidates.Count == 0 || defaultIndex < 0 || defaultIndex >= candidates.Count)
        {
            throw new ArgumentException($"{candidates.Count} candidates and default index {defaultIndex}");
        }

        var scored = new ScoredCandidate[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            var metrics = ClassificationMetrics.Compute(gold, candidates[i].Predicted, classes);
            var score = byGroup ? GroupFigures.Compute(gold, candidates[i].Predicted, groups!).WorstAccuracy : metric.Of(metrics);
            scored[i] = new ScoredCandidate(candidates[i].Name, double.IsNaN(score) ? metrics.Accuracy : score, metrics, ClassCollapse.Find(gold, candidates[i].Predicted, classes));
        }

        var keepEveryClass = scored.Any(s => s.Collapsed.Count == 0);
        bool Competes(int i) => !keepEveryClass || scored[i].Collapsed.Count == 0;

        var best = -1;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!Competes(i))
            {
                continue;
            }

            // The default first among equals, then the lower tie-break, then the earlier candidate.
            if (best < 0 || scored[i].Score > scored[best].Score ||
                (scored[i].Score == scored[best].Score && best != defaultIndex && (i == defaultIndex || candidates[i].TieBreak < candidates[best].TieBreak)))
            {
                best = i;
            }
        }

        var defaultName = candidates[defaultIndex].Name;
        int chosen;
        PairedLead? lead = null;
        string reason;
        if (!Competes(defaultIndex))
        {
            chosen = best;
            reason = $"the default, {defaultName}, leaves out {ClassCollapse.Describe(scored[defaultIndex].Collapsed, classNames)}, so the best of those that keep every class";
        }
        else if (best == defaultIndex)
        {
            chosen = defaultIndex;
            reason = $"the default, {defaultName}, is also the best on valid";
        }
        else
        {
            // By group, the lead where the default does worst (the best does no worse there): other rows count as unlabeled.
            var judged = byGroup ? GroupFigures.GoldOfDecidingGroup(gold, candidates[best].Predicted, candidates[defaultIndex].Predicted, groups!) : gold;

            var paired = PairedLead.Of(metric, candidates[best].Predicted, candidates[defaultIndex].Predicted, judged, classes);
            lead = paired;
            chosen = paired.Exceeds(requiredStandardErrors) ? best : defaultIndex;
            reason = double.IsNaN(paired.StandardError)
                ? $"{candidates[best].Name} leads the default, {defaultName}, but valid has too few labeled rows to judge a lead, so the default was kept"
                : $"{candidates[best].Name} leads the default, {defaultName}, by {paired.Describe()}: " +
                  (chosen == best ? $"more than {requiredStandardErrors:0.#} standard errors" : $"within {requiredStandardErrors:0.#} standard errors, so the default was kept");
        }

        var warning = scored[chosen].Collapsed.Count == 0
            ? null
            : $"every candidate leaves out a class of valid's gold labels; {candidates[chosen].Name} labels {ClassCollapse.Describe(scored[chosen].Collapsed, classNames)}";
        return new ValidChoiceResult(chosen, best, scored, lead, reason, warning);
    }
}
