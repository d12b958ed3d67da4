using System.Runtime.CompilerServices;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// Weighted majority vote with weights from estimated program accuracies (never from class balance). Under the one-coin
/// model (a program is right with probability a_j, otherwise votes one of the other k-1 classes uniformly; an abstain is
/// no vote) the posterior is softmax over classes of log prior + sum of w_j over the programs voting that class, with
/// w_j = log(a_j (k - 1) / (1 - a_j)), floored at 0 so that a program no better than chance is ignored.
/// <para>
/// a_j is estimated without gold by one-coin EM. The start is the agreement of j with the plain majority of the other
/// programs (leaving j out keeps a program from voting for itself); that start understates accurate programs whenever the
/// others' majority is noisy. The E-step gives each voted row its posterior under the current weights and the class prior;
/// the M-step sets a_j to the expected share of j's votes that are right, with a light Beta prior.
/// </para>
/// <para>
/// Known limit: on unipolar programs (each votes one class only) accuracies are not identifiable from the votes when an
/// abstain is no vote. A program's lone votes are neutral evidence and a conflict says only that one side is wrong, so
/// "the larger camp is always right" is a fixed point, and both the start and EM reach it (e.g. examples/youtube-spam after
/// `alchemist apply`). Whether a unipolar program fired is evidence only a model of abstains uses: prefer ds there.
/// </para>
/// </summary>
public sealed class WeightedMajorityVote : LabelModelBase
{
    private double[] _weights = [];
    private double[] _logPrior = [];

    /// <inheritdoc/>
    public override string Name => "wmv";

    /// <summary>EM rounds after the leave-one-out start; 0 keeps the leave-one-out accuracies.</summary>
    public int MaxIterations { get; init; } = 30;

    /// <summary>Stop once no program's accuracy moves by more than this in one round.</summary>
    public double Tolerance { get; init; } = 1e-4;

    /// <summary>Pseudo-votes of the Beta prior on each accuracy, split evenly between right and wrong.</summary>
    public double PriorVotes { get; init; } = 2;

    /// <summary>
    /// Per program, its vote's weight w_j = max(0, log(a_j (k - 1) / (1 - a_j))) from the estimated accuracy a_j; empty before
    /// <see cref="Fit"/>.
    /// </summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <inheritdoc/>
    public override void Fit(LabelMatrix votes, ClassBalance balance)
    {
        BeginFit(votes.Programs, votes.Classes);
        var sparse = SparseVotes.Build(votes, maxDegreeOfParallelism: MaxDegreeOfParallelism);
        var k = votes.Classes;
        var m = votes.Programs;
        var prior = balance.Resolve(k, balance.Mode == ClassBalanceMode.Estimated ? sparse.CountMajorityWinners() : null);
        var logPrior = prior.Select(p => Math.Log(p)).ToArray();
        var classOf = Enumerable.Range(0, m * k).Select(code => code % k).ToArray();
        var programOf = Enumerable.Range(0, m * k).Select(code => code / k).ToArray();

        var (agreements, decided) = LeaveOneOutMajorityAgreement(sparse, programOf, classOf, m, k);
        var accuracies = new double[m];
        for (var j = 0; j < m; j++)
        {
            accuracies[j] = Smoothed(agreements[j], decided[j]);
        }

        var castVotes = CountVotes(sparse, programOf, m);
        var weights = WeightsOf(accuracies, k);
        var iterations = 0;
        var change = double.PositiveInfinity;
        while (iterations < MaxIterations && change > Tolerance)
        {
            iterations++;
            var expectedRight = ExpectedRightVotes(sparse, weights, logPrior, programOf, classOf, m, k);
            change = 0;
            for (var j = 0; j < m; j++)
            {
                var updated = Smoothed(expectedRight[j], castVotes[j]);
                change = Math.Max(change, Math.Abs(updated - accuracies[j]));
                accuracies[j] = updated;
            }

            weights = WeightsOf(accuracies, k);
        }

        var chance = 1.0 / k;
        var belowChance = accuracies.Count(a => a <= chance);
        _weights = weights;
        _logPrior = logPrior;
        Note($"class prior {balance}: {Format(prior)}");
        Note($"accuracy = one-coin EM from agreement with the majority of the other programs: {iterations} rounds{(change > Tolerance ? " (round limit reached)" : string.Empty)}; {belowChance} programs at or below chance get weight 0");
        Note("a row with votes gets one of the classes voted for, ties in weighted score broken by the class prior; rows where every program abstains get the class prior");
        CompleteFit(prior, accuracies);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override void PredictShard(SparseVotes.Shard shard, Span<float> probabilities)
    {
        var k = Classes;
        Span<double> scores = stackalloc double[k];
        for (var r = 0; r < shard.RowCount; r++)
        {
            _logPrior.CopyTo(scores);
            var codes = shard.RowCodes(r);
            foreach (var code in codes)
            {
                scores[code % k] += _weights[code / k];
            }

            KeepVotedClasses(codes, scores);
            WriteSoftmax(scores, probabilities.Slice(r * k, k));
        }
    }

    /// <summary>Posterior mean of an accuracy under the Beta prior, kept off 0 and 1 so that its weight stays finite.</summary>
    private double Smoothed(double right, double cast) =>
        Math.Clamp((right + PriorVotes / 2) / (cast + PriorVotes), 1e-3, 1 - 1e-3);

    private static double[] WeightsOf(double[] accuracies, int k) =>
        accuracies.Select(a => Math.Max(0, Math.Log(a * (k - 1) / (1 - a)))).ToArray();

    private static long[] CountVotes(SparseVotes sparse, int[] programOf, int m)
    {
        var counts = new long[m];
        foreach (var shard in sparse.Shards)
        {
            foreach (var code in shard.Codes.AsSpan(0, shard.Starts[shard.RowCount]))
            {
                counts[programOf[code]]++;
            }
        }

        return counts;
    }

    /// <summary>For each program, the sum over the rows it votes on of the posterior probability of the class it voted.</summary>
    private double[] ExpectedRightVotes(SparseVotes sparse, double[] weights, double[] logPrior, int[] programOf, int[] classOf, int m, int k)
    {
        var codeWeights = new double[m * k];
        for (var code = 0; code < codeWeights.Length; code++)
        {
            codeWeights[code] = weights[programOf[code]];
        }

        var total = new double[m];
        var gate = new object();
        Parallel.ForEach(
            sparse.Shards,
            new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism },
            () => new double[m],
            (shard, _, local) =>
            {
                AddShardExpectedRight(shard, codeWeights, logPrior, programOf, classOf, k, local);
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    for (var j = 0; j < m; j++)
                    {
                        total[j] += local[j];
                    }
                }
            });
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddShardExpectedRight(SparseVotes.Shard shard, double[] codeWeights, double[] logPrior, int[] programOf, int[] classOf, int k, double[] expectedRight)
    {
        Span<double> posterior = stackalloc double[k];
        for (var r = 0; r < shard.RowCount; r++)
        {
            var codes = shard.RowCodes(r);
            if (codes.IsEmpty)
            {
                continue;
            }

            logPrior.CopyTo(posterior);
            foreach (var code in codes)
            {
                posterior[classOf[code]] += codeWeights[code];
            }

            var max = double.NegativeInfinity;
            foreach (var s in posterior)
            {
                max = Math.Max(max, s);
            }

            var sum = 0.0;
            for (var y = 0; y < k; y++)
            {
                posterior[y] = Math.Exp(posterior[y] - max);
                sum += posterior[y];
            }

            var scale = 1 / sum;
            foreach (var code in codes)
            {
                expectedRight[programOf[code]] += posterior[classOf[code]] * scale;
            }
        }
    }

    private (long[] Agreements, long[] Decided) LeaveOneOutMajorityAgreement(SparseVotes sparse, int[] programOf, int[] classOf, int m, int k)
    {
        var agreements = new long[m];
        var decided = new long[m];
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
