using System.Runtime.CompilerServices;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// FlyingSquid's triplet method (Fu et al. 2020), one-vs-rest for many classes. For class c, program j's vote becomes
/// +1 (votes c), -1 (votes another class) or 0 (abstains), and the class becomes Y = +1 (c) or -1 (not c). With
/// conditionally independent programs whose accuracy does not depend on the class, E[l_i l_j] = a_i a_j where
/// a_i = E[l_i Y]; so |a_i| = sqrt(|E[l_i l_j] E[l_i l_k] / E[l_j l_k]|) for any other two programs j, k. The estimate is
/// the median over all triplets whose denominator is clearly non-zero, and the sign assumes better-than-random programs.
/// All moments come from the merged overlap matrix of <see cref="LabelStatistics"/>; no pass over rows.
/// </summary>
internal sealed class FlyingSquid : LabelModelBase, IStatisticsLabelModel
{
    /// <summary>Accuracy assumed for a program that shares no usable triplet (Snorkel's prec_init).</summary>
    public const double FallbackAccuracy = 0.7;

    private double[] _weights = [];
    private double[] _bias = [];
    private bool _oneVersusRest;

    /// <inheritdoc/>
    public override string Name => "fs";

    /// <summary>[class][program]: accuracy of the program's one-vs-rest vote for the class when it votes.</summary>
    public double[][] ClassAccuracies { get; private set; } = [];

    /// <inheritdoc/>
    public override void Fit(LabelMatrix votes, ClassBalance balance) =>
        Fit(LabelStatistics.Compute(votes, withOverlaps: true, maxDegreeOfParallelism: MaxDegreeOfParallelism), balance);

    /// <inheritdoc/>
    public void Fit(LabelStatistics statistics, ClassBalance balance)
    {
        if (statistics.Overlaps is null)
        {
            throw new ArgumentException("the triplet method needs statistics computed with overlaps", nameof(statistics));
        }

        BeginFit(statistics.Programs, statistics.Classes);
        var k = statistics.Classes;
        var m = statistics.Programs;
        var rows = Math.Max(1, statistics.Rows);
        var prior = balance.Resolve(k, statistics.MajorityWinners);
        _oneVersusRest = k > 2;

        // A binary task needs one problem (class 1 against class 0); k > 2 classes need one per class.
        var problems = _oneVersusRest ? k : 1;
        var targets = _oneVersusRest ? Enumerable.Range(0, k).ToArray() : [1];

        // Denominators within three standard errors of zero are noise; sqrt(1/n) is the largest standard error of a moment.
        var threshold = 3 / Math.Sqrt(rows);
        ClassAccuracies = new double[problems][];
        var fallbacks = 0;
        for (var p = 0; p < problems; p++)
        {
            var (accuracies, fellBack) = TripletAccuracies(statistics, targets[p], threshold);
            ClassAccuracies[p] = accuracies;
            fallbacks += fellBack;
        }

        var d = statistics.Dimension;
        _weights = new double[d * k];
        _bias = new double[k];
        if (_oneVersusRest)
        {
            for (var c = 0; c < k; c++)
            {
                _bias[c] = Math.Log(prior[c] / (1 - prior[c]));
                for (var j = 0; j < m; j++)
                {
                    var w = LogOdds(ClassAccuracies[c][j]);
                    for (var o = 0; o < k; o++)
                    {
                        _weights[(j * k + o) * k + c] = o == c ? w : -w;
                    }
                }
            }
        }
        else
        {
            _bias[0] = Math.Log(prior[0]);
            _bias[1] = Math.Log(prior[1]);
            for (var j = 0; j < m; j++)
            {
                var w = LogOdds(ClassAccuracies[0][j]);
                _weights[(j * k + 1) * k + 1] = w;
                _weights[(j * k + 0) * k + 1] = -w;
            }
        }

        var estimated = new double[m];
        for (var j = 0; j < m; j++)
        {
            var votes = statistics.ProgramVotes(j);
            if (votes == 0)
            {
                estimated[j] = double.NaN;
                continue;
            }

            if (!_oneVersusRest)
            {
                estimated[j] = ClassAccuracies[0][j];
                continue;
            }

            // A vote for c is right exactly when it is right in the c-versus-rest problem.
            var sum = 0.0;
            for (var c = 0; c < k; c++)
            {
                sum += statistics.VoteCounts[j * k + c] * ClassAccuracies[c][j];
            }

            estimated[j] = sum / votes;
        }

        Note($"class prior {balance}: {Format(prior)}");
        Note(_oneVersusRest
            ? $"{k} one-vs-rest problems; class probabilities are the normalised one-vs-rest posteriors"
            : "one binary problem, class 1 against class 0");
        Note($"median over triplets with |E[l_j l_k]| > {threshold:0.####}; {fallbacks} program-problem pairs had none and assume accuracy {FallbackAccuracy}");
        Note("abstains carry no evidence; a row with votes gets one of the classes voted for; rows where every program abstains get the class prior");
        CompleteFit(prior, estimated);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override void PredictShard(SparseVotes.Shard shard, Span<float> probabilities)
    {
        if (!_oneVersusRest)
        {
            PredictLogLinear(shard, Classes, _weights, _bias, probabilities);
            return;
        }

        var k = Classes;
        Span<double> logits = stackalloc double[k];
        for (var r = 0; r < shard.RowCount; r++)
        {
            _bias.CopyTo(logits);
            var codes = shard.RowCodes(r);
            foreach (var code in codes)
            {
                var w = _weights.AsSpan(code * k, k);
                for (var c = 0; c < k; c++)
                {
                    logits[c] += w[c];
                }
            }

            KeepVotedClasses(codes, logits);
            var sum = 0.0;
            for (var c = 0; c < k; c++)
            {
                logits[c] = 1 / (1 + Math.Exp(-logits[c]));
                sum += logits[c];
            }

            var output = probabilities.Slice(r * k, k);
            for (var c = 0; c < k; c++)
            {
                output[c] = (float)(logits[c] / sum);
            }
        }
    }

    private static double LogOdds(double accuracy) => Math.Log(accuracy / (1 - accuracy));

    /// <summary>Per program, P(vote right | votes) in the target-versus-rest problem, and how many programs fell back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double[] Accuracies, int Fallbacks) TripletAccuracies(LabelStatistics statistics, int target, double threshold)
    {
        var k = statistics.Classes;
        var m = statistics.Programs;
        var d = statistics.Dimension;
        var rows = (double)Math.Max(1, statistics.Rows);
        var overlaps = statistics.Overlaps!;

        // E[l_i l_j] over all rows (abstain = 0): same-sign co-votes minus opposite-sign co-votes.
        var moments = new double[m * m];
        for (var i = 0; i < m; i++)
        {
            for (var j = i + 1; j < m; j++)
            {
                double agree = 0, disagree = 0;
                for (var a = 0; a < k; a++)
                {
                    for (var b = 0; b < k; b++)
                    {
                        var count = overlaps[(i * k + a) * d + (j * k + b)];
                        if ((a == target) == (b == target))
                        {
                            agree += count;
                        }
                        else
                        {
                            disagree += count;
                        }
                    }
                }

                moments[i * m + j] = moments[j * m + i] = (agree - disagree) / rows;
            }
        }

        var accuracies = new double[m];
        var estimates = new List<double>();
        var fallbacks = 0;
        for (var i = 0; i < m; i++)
        {
            estimates.Clear();
            for (var j = 0; j < m; j++)
            {
                if (j == i)
                {
                    continue;
                }

                var mij = moments[i * m + j];
                for (var l = j + 1; l < m; l++)
                {
                    var mjl = moments[j * m + l];
                    if (l == i || Math.Abs(mjl) <= threshold)
                    {
                        continue;
                    }

                    estimates.Add(Math.Abs(mij * moments[i * m + l] / mjl));
                }
            }

            var coverage = statistics.ProgramVotes(i) / rows;
            if (estimates.Count == 0 || coverage == 0)
            {
                accuracies[i] = FallbackAccuracy;
                fallbacks += coverage > 0 ? 1 : 0;
                continue;
            }

            estimates.Sort();
            var median = estimates.Count % 2 == 1
                ? estimates[estimates.Count / 2]
                : (estimates[(estimates.Count / 2) - 1] + estimates[estimates.Count / 2]) / 2;

            // a_i = E[l_i Y] = coverage (2 accuracy - 1) when abstaining does not depend on the class.
            var meanAgreement = Math.Sqrt(median);
            accuracies[i] = Math.Clamp((1 + (meanAgreement / coverage)) / 2, 0.5, 1 - 1e-3);
        }

        return (accuracies, fallbacks);
    }
}
