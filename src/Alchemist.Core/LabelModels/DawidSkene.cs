using System.Runtime.CompilerServices;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>
/// Dawid-Skene EM. Each program j has a class-conditional output distribution theta_j[y][o] = P(program outputs o | class y)
/// over k + 1 outputs: the k classes and abstain, so that a unipolar program (one class or abstain) gets a rate of firing
/// per class rather than a confusion row identical for every class. For many classes the wrong classes are tied: a program
/// votes o with rate beta_j[o] when the class is o and with one rate gamma_j[o] whatever wrong class it is, 2k numbers per
/// program instead of k(k+1), so that a class with few rows cannot get a confusion row of its own from noise. Starts from
/// majority vote; smoothing adds one pseudo-row whose rates are 0.1 (beta) and 0.01 (gamma). The E-step sums are computed
/// per shard of rows and merged.
/// <para>
/// Two variants, both in the catalog, because neither wins everywhere and <c>auto</c> can tell them apart on valid. <c>ds</c>
/// counts every output in a row's posterior, abstains included: "the spam rule did not fire" is evidence, right where
/// programs are independent given the class. <c>ds-votes</c> counts only the votes cast, as Snorkel's model does: where the
/// programs for one class miss the same rows together (WRENCH trec's keyword programs), their silences are counted many
/// times over. Test accuracy, fitted on train with valid's class balance (valid accuracy in brackets): WRENCH trec ds 0.618
/// (0.496), ds-votes 0.648 (0.572), majority vote 0.650 (0.570); WRENCH youtube 0.828 (0.850) and 0.848 (0.842); the
/// recorded LLM programs on trec 0.884 (0.762) and 0.820 (0.718), majority vote 0.820 (0.718).
/// </para>
/// </summary>
public sealed class DawidSkene : LabelModelBase
{
    private double[] _weights = [];
    private double[] _bias = [];

    /// <inheritdoc/>
    public override string Name => AbstainsAreEvidence ? "ds" : "ds-votes";

    /// <summary>
    /// Whether a program that abstains moves a row's posterior (<c>ds</c>) or only the votes cast do (<c>ds-votes</c>).
    /// </summary>
    public bool AbstainsAreEvidence { get; init; } = true;

    /// <summary>
    /// EM rounds after the majority-vote start. One: on the train splits' gold (never test) further rounds drift away from
    /// what the votes say (trec 0.533 after one round, 0.524 after three, 0.508 after fifty; youtube 0.855, 0.849, 0.843;
    /// ds-votes: trec 0.573, 0.571, 0.564 after ten; youtube 0.876, 0.864, 0.864), because the programs are not independent
    /// given the class as the model assumes; sms did not move.
    /// </summary>
    public int MaxIterations { get; init; } = 1;

    /// <summary>Stop when the mean log-likelihood per row changes by less than this.</summary>
    public double Tolerance { get; init; } = 1e-6;

    /// <summary>Pseudo-rows of the smoothing prior on each rate.</summary>
    public double Smoothing { get; init; } = 1.0;

    /// <summary>The rate the smoothing pseudo-row gives a program voting its own class (beta).</summary>
    public double PriorRightRate { get; init; } = 0.1;

    /// <summary>The rate the smoothing pseudo-row gives a program voting a class that is not the row's (gamma).</summary>
    public double PriorWrongRate { get; init; } = 0.01;

    /// <summary>[program][class y][output o], o = k meaning abstain. Valid after Fit.</summary>
    public double[,,] Confusion { get; private set; } = new double[0, 0, 0];

    /// <inheritdoc/>
    public override void Fit(LabelMatrix votes, ClassBalance balance)
    {
        BeginFit(votes.Programs, votes.Classes);
        var k = votes.Classes;
        var m = votes.Programs;
        var sparse = SparseVotes.Build(votes, maxDegreeOfParallelism: MaxDegreeOfParallelism);
        var winners = sparse.CountMajorityWinners();
        var prior = balance.Resolve(k, winners);
        var learnPrior = balance.Mode == ClassBalanceMode.Estimated;

        // The start is majority vote with its tie rule (the most specific side of a tie wins): on the train splits' gold it
        // starts EM better than an even split of ties (trec 0.533 against 0.509 after one round; youtube and sms equal).
        var majority = new MajorityVote { MaxDegreeOfParallelism = MaxDegreeOfParallelism };
        majority.Fit(votes, ClassBalance.FromGiven(prior));
        var counts = ExpectedCounts.FromMajority(sparse, majority, m, k, MaxDegreeOfParallelism);
        var iterations = 0;
        var previous = double.NegativeInfinity;
        var logLikelihood = double.NegativeInfinity;
        while (true)
        {
            MaximizationStep(counts, prior, learnPrior, m, k);
            if (iterations == MaxIterations)
            {
                break;
            }

            iterations++;
            counts = ExpectedCounts.Expectation(sparse, _weights, _bias, m, k, MaxDegreeOfParallelism);
            logLikelihood = counts.LogLikelihood / Math.Max(1, votes.Rows);
            if (Math.Abs(logLikelihood - previous) < Tolerance)
            {
                MaximizationStep(counts, prior, learnPrior, m, k);
                break;
            }

            previous = logLikelihood;
        }

        var accuracies = new double[m];
        for (var j = 0; j < m; j++)
        {
            double right = 0, cast = 0;
            for (var y = 0; y < k; y++)
            {
                right += prior[y] * Confusion[j, y, y];
                cast += prior[y] * (1 - Confusion[j, y, k]);
            }

            accuracies[j] = right / cast;
        }

        Note($"class prior {balance}{(learnPrior ? " (re-estimated by EM from a majority-vote start)" : string.Empty)}: {Format(prior)}");
        Note($"EM: {iterations} round{(iterations == 1 ? "" : "s")} from the majority-vote start, mean log-likelihood per row {logLikelihood:0.######}{(iterations == MaxIterations ? " (stopped at the round limit, on purpose: later rounds drift from what the votes say)" : " (converged)")}");
        Note(AbstainsAreEvidence
            ? "abstain is modelled as an output; a row with votes gets one of the classes voted for; rows where every program abstains get the posterior of the all-abstain pattern"
            : "a row's posterior is the prior times the rates of the votes cast (a program that abstains is no evidence); a row with votes gets one of the classes voted for; rows where every program abstains get the class prior");
        CompleteFit(prior, accuracies);
    }

    private protected override void PredictShard(SparseVotes.Shard shard, Span<float> probabilities) =>
        PredictLogLinear(shard, Classes, _weights, _bias, probabilities);

    private void MaximizationStep(ExpectedCounts counts, double[] prior, bool learnPrior, int m, int k)
    {
        var totalRows = counts.ClassTotals.Sum();
        if (learnPrior)
        {
            for (var y = 0; y < k; y++)
            {
                prior[y] = (counts.ClassTotals[y] + 1) / (totalRows + k);
            }
        }

        var confusion = new double[m, k, k + 1];
        var weights = new double[m * k * k];
        var bias = new double[k];
        for (var y = 0; y < k; y++)
        {
            bias[y] = Math.Log(prior[y]);
        }

        Span<double> right = stackalloc double[k];
        Span<double> wrong = stackalloc double[k];
        for (var j = 0; j < m; j++)
        {
            for (var o = 0; o < k; o++)
            {
                // Expected rows where j voted o and the class was o (right) or any other class (wrong).
                var cast = counts.Votes.AsSpan(((j * k) + o) * k, k);
                var wrongVotes = 0.0;
                for (var y = 0; y < k; y++)
                {
                    wrongVotes += y == o ? 0 : cast[y];
                }

                right[o] = (cast[o] + (Smoothing * PriorRightRate)) / (counts.ClassTotals[o] + Smoothing);
                wrong[o] = (wrongVotes + (Smoothing * PriorWrongRate)) / (totalRows - counts.ClassTotals[o] + Smoothing);
            }

            for (var y = 0; y < k; y++)
            {
                var voting = 0.0;
                for (var o = 0; o < k; o++)
                {
                    confusion[j, y, o] = o == y ? right[o] : wrong[o];
                    voting += confusion[j, y, o];
                }

                confusion[j, y, k] = Math.Max(1e-6, 1 - voting);
                var logAbstain = AbstainsAreEvidence ? Math.Log(confusion[j, y, k]) : 0;
                bias[y] += logAbstain;
                for (var o = 0; o < k; o++)
                {
                    weights[((j * k) + o) * k + y] = Math.Log(confusion[j, y, o]) - logAbstain;
                }
            }
        }

        Confusion = confusion;
        _weights = weights;
        _bias = bias;
    }

    /// <summary>E-step sums of one shard or of several merged: expected class totals and expected vote counts per class.</summary>
    private sealed class ExpectedCounts
    {
        private ExpectedCounts(int m, int k)
        {
            ClassTotals = new double[k];
            Votes = new double[m * k * k];
        }

        public double[] ClassTotals { get; }

        /// <summary>[(program * k + vote) * k + class]: expected number of rows of that class where the program cast that vote.</summary>
        public double[] Votes { get; }

        public double LogLikelihood { get; private set; }

        public void Merge(ExpectedCounts other)
        {
            for (var y = 0; y < ClassTotals.Length; y++)
            {
                ClassTotals[y] += other.ClassTotals[y];
            }

            for (var i = 0; i < Votes.Length; i++)
            {
                Votes[i] += other.Votes[i];
            }

            LogLikelihood += other.LogLikelihood;
        }

        public static ExpectedCounts FromMajority(SparseVotes sparse, MajorityVote majority, int m, int k, int parallelism) =>
            Accumulate(sparse, m, k, parallelism, (shard, local) =>
            {
                var posterior = new float[shard.RowCount * k];
                majority.PredictProbabilities(shard, posterior);
                for (var r = 0; r < shard.RowCount; r++)
                {
                    local.AddRow(shard.RowCodes(r), posterior.AsSpan(r * k, k), k);
                }
            });

        public static ExpectedCounts Expectation(SparseVotes sparse, double[] weights, double[] bias, int m, int k, int parallelism) =>
            Accumulate(sparse, m, k, parallelism, (shard, local) => local.AddExpectation(shard, weights, bias, k));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void AddExpectation(SparseVotes.Shard shard, double[] weights, double[] bias, int k)
        {
            if (k == 2)
            {
                AddExpectationBinary(shard, weights, bias);
                return;
            }

            Span<double> scores = stackalloc double[k];
            Span<float> posterior = stackalloc float[k];
            for (var r = 0; r < shard.RowCount; r++)
            {
                bias.CopyTo(scores);
                var codes = shard.RowCodes(r);
                foreach (var code in codes)
                {
                    var w = weights.AsSpan(code * k, k);
                    for (var y = 0; y < k; y++)
                    {
                        scores[y] += w[y];
                    }
                }

                var max = double.NegativeInfinity;
                foreach (var s in scores)
                {
                    max = Math.Max(max, s);
                }

                var sum = 0.0;
                for (var y = 0; y < k; y++)
                {
                    scores[y] = Math.Exp(scores[y] - max);
                    sum += scores[y];
                }

                LogLikelihood += max + Math.Log(sum);
                for (var y = 0; y < k; y++)
                {
                    posterior[y] = (float)(scores[y] / sum);
                }

                AddRow(codes, posterior, k);
            }
        }

        /// <summary>The two-class E-step with the class sums unrolled; the common case, worth its own loop.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void AddExpectationBinary(SparseVotes.Shard shard, double[] weights, double[] bias)
        {
            var votes = Votes;
            double total0 = 0, total1 = 0, logLikelihood = 0;
            var codes = shard.Codes;
            var starts = shard.Starts;
            for (var r = 0; r < shard.RowCount; r++)
            {
                double score0 = bias[0], score1 = bias[1];
                int start = starts[r], end = starts[r + 1];
                for (var i = start; i < end; i++)
                {
                    var at = codes[i] * 2;
                    score0 += weights[at];
                    score1 += weights[at + 1];
                }

                var max = Math.Max(score0, score1);
                var e0 = Math.Exp(score0 - max);
                var e1 = Math.Exp(score1 - max);
                var sum = e0 + e1;
                logLikelihood += max + Math.Log(sum);
                var p0 = e0 / sum;
                var p1 = e1 / sum;
                total0 += p0;
                total1 += p1;
                for (var i = start; i < end; i++)
                {
                    var at = codes[i] * 2;
                    votes[at] += p0;
                    votes[at + 1] += p1;
                }
            }

            ClassTotals[0] += total0;
            ClassTotals[1] += total1;
            LogLikelihood += logLikelihood;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void AddRow(ReadOnlySpan<int> codes, ReadOnlySpan<float> posterior, int k)
        {
            for (var y = 0; y < k; y++)
            {
                ClassTotals[y] += posterior[y];
            }

            foreach (var code in codes)
            {
                var target = Votes.AsSpan(code * k, k);
                for (var y = 0; y < k; y++)
                {
                    target[y] += posterior[y];
                }
            }
        }

        private static ExpectedCounts Accumulate(SparseVotes sparse, int m, int k, int parallelism, Action<SparseVotes.Shard, ExpectedCounts> addShard)
        {
            var total = new ExpectedCounts(m, k);
            var gate = new object();
            Parallel.ForEach(
                sparse.Shards,
                new ParallelOptions { MaxDegreeOfParallelism = parallelism },
                () => new ExpectedCounts(m, k),
                (shard, _, local) =>
                {
                    addShard(shard, local);
                    return local;
                },
                local =>
                {
                    lock (gate)
                    {
                        total.Merge(local);
                    }
                });
            return total;
        }
    }
}
