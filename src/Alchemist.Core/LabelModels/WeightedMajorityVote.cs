using System.Runtime.CompilerServices;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// Weighted majority vote with weights from estimated program accuracies (never from class balance). Under the one-coin
/// model (a program is right with probability a_j, otherwise votes one of the other k-1 classes uniformly) the posterior is
/// softmax over classes of log prior + sum of w_j over the programs voting that class, with w_j = log(a_j (k - 1) / (1 - a_j)).
/// a_j is estimated without gold as how often program j agrees with the plain majority of the other programs, over rows
/// where those others reach a unique majority. Leaving j out keeps a program from voting for itself; using the unweighted
/// majority (rather than iterating on the weights) keeps one camp of programs from out-voting the other into collapse,
/// which a weighted fixed point does on unipolar programs. A program no better than chance gets weight 0.
/// </summary>
public sealed class WeightedMajorityVote : LabelModelBase
{
    private double[] _weights = [];
    private double[] _logPrior = [];

    public override string Name => "wmv";

    public IReadOnlyList<double> Weights => _weights;

    public override void Fit(LabelMatrix votes, ClassBalance balance)
    {
        BeginFit(votes.Programs, votes.Classes);
        var sparse = SparseVotes.Build(votes, maxDegreeOfParallelism: MaxDegreeOfParallelism);
        var k = votes.Classes;
        var m = votes.Programs;
        var prior = balance.Resolve(k, balance.Mode == ClassBalanceMode.Estimated ? sparse.CountMajorityWinners() : null);
        var logPrior = prior.Select(p => Math.Log(p)).ToArray();

        var (agreements, decided) = LeaveOneOutMajorityAgreement(sparse, m, k);
        var accuracies = new double[m];
        var chance = 1.0 / k;
        var belowChance = 0;
        for (var j = 0; j < m; j++)
        {
            // One pseudo-vote right and one wrong keep programs with few decided rows away from 0 and 1.
            accuracies[j] = Math.Clamp((agreements[j] + 1.0) / (decided[j] + 2.0), 1e-3, 1 - 1e-3);
            belowChance += accuracies[j] <= chance ? 1 : 0;
        }

        var weights = accuracies.Select(a => Math.Max(0, Math.Log(a * (k - 1) / (1 - a)))).ToArray();
        _weights = weights;
        _logPrior = logPrior;
        Note($"class prior {balance}: {Format(prior)}");
        Note($"accuracy = agreement with the majority of the other programs; {belowChance} programs at or below chance get weight 0");
        Note("ties in weighted score are broken by the class prior; rows where every program abstains get the class prior");
        CompleteFit(prior, accuracies);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void PredictShard(SparseVotes.Shard shard, Span<float> probabilities)
    {
        var k = Classes;
        Span<double> scores = stackalloc double[k];
        for (var r = 0; r < shard.RowCount; r++)
        {
            _logPrior.CopyTo(scores);
            foreach (var code in shard.RowCodes(r))
            {
                scores[code % k] += _weights[code / k];
            }

            WriteSoftmax(scores, probabilities.Slice(r * k, k));
        }
    }

    private (long[] Agreements, long[] Decided) LeaveOneOutMajorityAgreement(SparseVotes sparse, int m, int k)
    {
        var agreements = new long[m];
        var decided = new long[m];
        var programOf = Enumerable.Range(0, m * k).Select(code => code / k).ToArray();
        var classOf = Enumerable.Range(0, m * k).Select(code => code % k).ToArray();
        var gate = new object();
        Parallel.ForEach(
            sparse.Shards,
            new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism },
            () => (Agreements: new long[m], Decided: new long[m]),
            (shard, _, local) =>
            {
                AddShardAgreements(shard, programOf, classOf, k, local.Agreements, local.Decided);
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    for (var j = 0; j < m; j++)
                    {
                        agreements[j] += local.Agreements[j];
                        decided[j] += local.Decided[j];
                    }
                }
            });
        return (agreements, decided);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddShardAgreements(SparseVotes.Shard shard, int[] programOf, int[] classOf, int k, long[] agreements, long[] decided)
    {
        Span<int> counts = stackalloc int[k];
        for (var r = 0; r < shard.RowCount; r++)
        {
            var codes = shard.RowCodes(r);
            if (codes.Length < 2)
            {
                continue;
            }

            counts.Clear();
            foreach (var code in codes)
            {
                counts[classOf[code]]++;
            }

            foreach (var code in codes)
            {
                var vote = classOf[code];
                counts[vote]--;
                var winner = UniqueWinner(counts);
                counts[vote]++;
                if (winner >= 0)
                {
                    decided[programOf[code]]++;
                    agreements[programOf[code]] += winner == vote ? 1 : 0;
                }
            }
        }
    }

    /// <summary>The class with the most votes, or -1 when there are none or the top is tied.</summary>
    private static int UniqueWinner(ReadOnlySpan<int> counts)
    {
        var best = -1;
        var bestCount = 0;
        var tied = false;
        for (var c = 0; c < counts.Length; c++)
        {
            if (counts[c] > bestCount)
            {
                best = c;
                bestCount = counts[c];
                tied = false;
            }
            else if (counts[c] == bestCount && bestCount > 0)
            {
                tied = true;
            }
        }

        return tied ? -1 : best;
    }
}
