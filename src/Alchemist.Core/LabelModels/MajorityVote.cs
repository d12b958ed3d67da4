using System.Runtime.CompilerServices;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// Majority vote. Each non-abstain vote counts once. A row with a unique top class gets probability 1 for it.
/// Tie rule: the tied classes share the probability equally (a tie says nothing about which is right; splitting by an
/// estimated prior was worse on every valid split tried). A row where every program abstains gets the class prior.
/// Hard labels come from <see cref="Evaluation.ClassificationMetrics.ArgMax"/>, which breaks exact ties by a fixed hash
/// of the row index, as WRENCH does.
/// </summary>
public sealed class MajorityVote : LabelModelBase, IStatisticsLabelModel
{
    public const string TieRule = "ties split the probability equally among the tied classes (hard labels: a fixed hash of the row index picks one)";

    public override string Name => "mv";

    public override void Fit(LabelMatrix votes, ClassBalance balance) =>
        Fit(LabelStatistics.Compute(votes, withOverlaps: false, maxDegreeOfParallelism: MaxDegreeOfParallelism), balance);

    public void Fit(LabelStatistics statistics, ClassBalance balance)
    {
        BeginFit(statistics.Programs, statistics.Classes);
        var prior = balance.Resolve(statistics.Classes, statistics.MajorityWinners);

        // A program's accuracy as majority vote sees it: how often it agrees with a decided (untied) majority.
        var accuracies = new double[statistics.Programs];
        for (var j = 0; j < accuracies.Length; j++)
        {
            accuracies[j] = (statistics.MajorityAgreements[j] + 1.0) / (statistics.MajorityDecidedVotes[j] + 2.0);
        }

        Note($"class prior {balance}: {Format(prior)}");
        Note($"{TieRule}; {statistics.TiedRows} of {statistics.Rows} fitted rows were tied");
        Note($"rows where every program abstains get the class prior; {statistics.UncoveredRows} of {statistics.Rows} fitted rows had no vote");
        Note("estimated accuracy = agreement with the untied majority, (agree + 1) / (decided votes + 2)");
        CompleteFit(prior, accuracies);
    }

    /// <summary>Majority vote needs nothing from the rows but the prior: this sets it directly (used to start EM).</summary>
    public void Fit(int programs, int classes, double[] prior)
    {
        BeginFit(programs, classes);
        Note($"class prior given: {Format(prior)}");
        CompleteFit(prior, Enumerable.Repeat(double.NaN, programs).ToArray());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void PredictShard(SparseVotes.Shard shard, Span<float> probabilities)
    {
        var k = Classes;
        var prior = Prior;
        Span<int> counts = stackalloc int[k];
        for (var r = 0; r < shard.RowCount; r++)
        {
            counts.Clear();
            var codes = shard.RowCodes(r);
            foreach (var code in codes)
            {
                counts[code % k]++;
            }

            var output = probabilities.Slice(r * k, k);
            if (codes.IsEmpty)
            {
                for (var c = 0; c < k; c++)
                {
                    output[c] = (float)prior[c];
                }

                continue;
            }

            var best = 0;
            foreach (var count in counts)
            {
                best = Math.Max(best, count);
            }

            var tied = 0;
            foreach (var count in counts)
            {
                tied += count == best ? 1 : 0;
            }

            for (var c = 0; c < k; c++)
            {
                output[c] = counts[c] == best ? 1f / tied : 0f;
            }
        }
    }
}
