using System.Runtime.CompilerServices;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// Snorkel-style matrix-completion label model (MeTaL: Ratner et al. 2019, as in Snorkel's LabelModel). With one-hot votes
/// and conditionally independent programs, the overlap matrix O = E[l l^T] equals mu P mu^T off the block diagonal, where
/// mu[(j, o), y] = P(program j votes o | class y) and P = diag(class prior). The model fits mu by L-BFGS on
/// ||(O - mu P mu^T) masked||^2 + ||mu P 1 - diag(O)||^2, from Snorkel's start (each program 70 % precise), using only the
/// merged <see cref="LabelStatistics"/>. Prediction is Snorkel's: softmax of log prior + sum of log mu over the votes cast.
/// </summary>
public sealed class MatrixCompletion : LabelModelBase, IStatisticsLabelModel
{
    private double[] _weights = [];
    private double[] _bias = [];

    /// <inheritdoc/>
    public override string Name => "metal";

    /// <summary>Precision every program is assumed to have at the start (Snorkel's prec_init).</summary>
    public double InitialPrecision { get; init; } = 0.7;

    /// <summary>Well-posed problems converge in 20-150 iterations; ill-posed ones (a class the votes barely see) would crawl on.</summary>
    public int MaxIterations { get; init; } = 300;

    /// <summary>L2 pull towards the starting point (Snorkel's l2; 0 by default there and here).</summary>
    public double L2 { get; init; }

    /// <summary>Fitted mu, row-major (programs x classes) x classes.</summary>
    public IReadOnlyList<double> ConditionalProbabilities { get; private set; } = [];

    /// <inheritdoc/>
    public override void Fit(LabelMatrix votes, ClassBalance balance) =>
        Fit(LabelStatistics.Compute(votes, withOverlaps: true, maxDegreeOfParallelism: MaxDegreeOfParallelism), balance);

    /// <inheritdoc/>
    public void Fit(LabelStatistics statistics, ClassBalance balance)
    {
        if (statistics.Overlaps is null)
        {
            throw new ArgumentException("the matrix-completion model needs statistics computed with overlaps", nameof(statistics));
        }

        BeginFit(statistics.Programs, statistics.Classes);
        var k = statistics.Classes;
        var m = statistics.Programs;
        var d = statistics.Dimension;
        var rows = Math.Max(1, statistics.Rows);
        var prior = balance.Resolve(k, statistics.MajorityWinners);
        var overlaps = new double[d * d];
        for (var i = 0; i < overlaps.Length; i++)
        {
            overlaps[i] = statistics.Overlaps[i] / (double)rows;
        }

        var coverage = new double[m];
        for (var j = 0; j < m; j++)
        {
            coverage[j] = statistics.ProgramVotes(j) / (double)rows;
        }

        var start = new double[d * k];
        for (var j = 0; j < m; j++)
        {
            for (var y = 0; y < k; y++)
            {
                var a = j * k + y;
                start[a * k + y] = Math.Clamp(overlaps[a * d + a] * InitialPrecision / prior[y], 0, 1);
            }
        }

        var mu = (double[])start.Clone();
        var objective = new Objective(overlaps, prior, start, m, k, L2);

        // The loss is a sum of squares of probabilities; scaling it keeps the optimizer's tolerances meaningful on sparse votes.
        var scale = 1.0 / Math.Max(1e-12, objective.Evaluate(start, new double[start.Length]));
        var result = Lbfgs.Minimize(
            (x, gradient) =>
            {
                var value = objective.Evaluate(x, gradient) * scale;
                for (var i = 0; i < gradient.Length; i++)
                {
                    gradient[i] *= scale;
                }

                return value;
            },
            mu,
            MaxIterations,
            gradientTolerance: 1e-6,
            valueTolerance: 1e-10,
            windowTolerance: 1e-6);

        var accuracies = new double[m];
        for (var j = 0; j < m; j++)
        {
            var right = 0.0;
            for (var y = 0; y < k; y++)
            {
                right += mu[(j * k + y) * k + y] * prior[y];
            }

            accuracies[j] = coverage[j] > 0 ? Math.Clamp(right / coverage[j], 1e-6, 1.0) : double.NaN;
        }

        // A vote moves the odds at most by a factor of about 100 over its program's coverage: estimates below 1 % of coverage
        // (often slightly negative, from sampling noise) would otherwise become unbounded weights.
        _weights = new double[d * k];
        for (var a = 0; a < d; a++)
        {
            var floor = Math.Max(1e-8, 0.01 * coverage[a / k]);
            for (var y = 0; y < k; y++)
            {
                _weights[a * k + y] = Math.Log(Math.Clamp(mu[a * k + y], floor, 1.0));
            }
        }

        _bias = prior.Select(p => Math.Log(p)).ToArray();
        ConditionalProbabilities = mu;
        Note($"class prior {balance}: {Format(prior)}");
        Note($"L-BFGS: {result.Iterations} iterations, {result.Evaluations} evaluations, relative loss {result.Value:0.###e+0}{(result.Converged ? string.Empty : " (iteration limit reached)")}");
        Note("abstains carry no evidence (as in Snorkel); a row with votes gets one of the classes voted for; rows where every program abstains get the class prior");
        var uncovered = coverage.Count(c => c == 0);
        if (uncovered > 0)
        {
            Note($"{uncovered} programs never vote; their estimated accuracy is NaN");
        }

        CompleteFit(prior, accuracies);
    }

    private protected override void PredictShard(SparseVotes.Shard shard, Span<float> probabilities) =>
        PredictLogLinear(shard, Classes, _weights, _bias, probabilities);

    /// <summary>
    /// The loss over the votes programs actually cast: a (program, class) pair that never occurs has a zero row in the
    /// overlap matrix, its mu row starts at 0 and its gradient stays 0, so it is left out of every sum. With unipolar
    /// programs (each votes one class) that leaves m of the m x k pairs, and the cost per evaluation falls from
    /// (m k)^2 k to m^2 k.
    /// </summary>
    private sealed class Objective(double[] overlaps, double[] prior, double[] start, int m, int k, double l2)
    {
        private readonly int _d = m * k;
        private readonly int[] _active = [.. Enumerable.Range(0, m * k).Where(a => overlaps[a * m * k + a] > 0)];
        private readonly double[] _weighted = new double[m * k * k];
        private readonly double[] _residualTimesMu = new double[m * k * k];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public double Evaluate(ReadOnlySpan<double> mu, Span<double> gradient)
        {
            var d = _d;
            var active = _active;
            foreach (var a in active)
            {
                for (var y = 0; y < k; y++)
                {
                    _weighted[a * k + y] = mu[a * k + y] * prior[y];
                }
            }

            Array.Clear(_residualTimesMu);
            gradient.Clear();
            var loss = 0.0;
            for (var ia = 0; ia < active.Length; ia++)
            {
                var a = active[ia];
                var weightedA = _weighted.AsSpan(a * k, k);
                var muA = mu.Slice(a * k, k);
                var accumulateA = _residualTimesMu.AsSpan(a * k, k);
                for (var ib = ia + 1; ib < active.Length; ib++)
                {
                    var b = active[ib];
                    if (b / k == a / k)
                    {
                        continue; // the same program's own block is not observed
                    }

                    var muB = mu.Slice(b * k, k);
                    var model = 0.0;
                    for (var y = 0; y < k; y++)
                    {
                        model += weightedA[y] * muB[y];
                    }

                    var residual = overlaps[a * d + b] - model;
                    loss += 2 * residual * residual;
                    var accumulateB = _residualTimesMu.AsSpan(b * k, k);
                    for (var y = 0; y < k; y++)
                    {
                        accumulateA[y] += residual * muB[y];
                        accumulateB[y] += residual * muA[y];
                    }
                }
            }

            foreach (var a in active)
            {
                var marginal = -overlaps[a * d + a];
                for (var y = 0; y < k; y++)
                {
                    marginal += _weighted[a * k + y];
                }

                loss += marginal * marginal;
                for (var y = 0; y < k; y++)
                {
                    var i = a * k + y;
                    var pull = mu[i] - start[i];
                    gradient[i] = -4 * prior[y] * _residualTimesMu[i] + 2 * marginal * prior[y] + 2 * l2 * pull;
                    loss += l2 * pull * pull;
                }
            }

            return loss;
        }
    }
}
