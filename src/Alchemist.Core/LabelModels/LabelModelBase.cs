using System.Runtime.CompilerServices;
using Alchemist.Labeling;

namespace Alchemist.LabelModels;

/// <summary>What every label model shares: the fitted shape, prior, accuracies, notes and prediction over sparse rows.</summary>
public abstract class LabelModelBase : ILabelModel
{
    private readonly List<string> _notes = [];
    private double[]? _prior;
    private double[]? _accuracies;

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <summary>Threads used by fit and prediction; -1 uses every core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Programs (vote columns) the model was fitted on; 0 before <see cref="Fit"/>.</summary>
    public int Programs { get; private set; }

    /// <summary>Classes the model was fitted on; 0 before <see cref="Fit"/>.</summary>
    public int Classes { get; private set; }

    internal bool IsFitted => _prior is not null;

    /// <inheritdoc/>
    public IReadOnlyList<double> EstimatedAccuracies => _accuracies ?? throw NotFitted();

    /// <inheritdoc/>
    public IReadOnlyList<double> ClassPrior => _prior ?? throw NotFitted();

    /// <inheritdoc/>
    public IReadOnlyList<string> Notes => _notes;

    /// <inheritdoc/>
    public abstract void Fit(LabelMatrix votes, ClassBalance balance);

    /// <summary>
    /// Writes row-major class probabilities: <paramref name="probabilities"/> has votes.Rows x votes.Classes entries.
    /// </summary>
    /// <exception cref="InvalidOperationException">The model is not fitted.</exception>
    /// <exception cref="ArgumentException">
    /// The votes have another number of programs or classes than the model was fitted on.
    /// </exception>
    public void PredictProbabilities(LabelMatrix votes, Span<float> probabilities)
    {
        CheckShape(votes.Programs, votes.Classes);
        PredictProbabilities(SparseVotes.Build(votes, maxDegreeOfParallelism: MaxDegreeOfParallelism), probabilities);
    }

    /// <summary>Probabilities for rows already in sparse form (row-major, Rows x Classes).</summary>
    public void PredictProbabilities(SparseVotes votes, Span<float> probabilities)
    {
        CheckShape(votes.Programs, votes.Classes);
        if (probabilities.Length != (long)votes.Rows * votes.Classes)
        {
            throw new ArgumentException($"the probability buffer has {probabilities.Length} entries; {votes.Rows} rows x {votes.Classes} classes need {(long)votes.Rows * votes.Classes}");
        }

        foreach (var shard in votes.Shards)
        {
            PredictShard(shard, probabilities.Slice(shard.FirstRow * votes.Classes, shard.RowCount * votes.Classes));
        }
    }

    /// <summary>Probabilities for the rows of one shard (row-major, RowCount x Classes).</summary>
    public void PredictProbabilities(SparseVotes.Shard shard, Span<float> probabilities)
    {
        if (!IsFitted)
        {
            throw NotFitted();
        }

        if (probabilities.Length != shard.RowCount * Classes)
        {
            throw new ArgumentException($"the probability buffer has {probabilities.Length} entries; {shard.RowCount} rows x {Classes} classes need {shard.RowCount * Classes}");
        }

        PredictShard(shard, probabilities);
    }

    /// <summary>Probabilities for one shard of rows into its slice of the output.</summary>
    private protected abstract void PredictShard(SparseVotes.Shard shard, Span<float> probabilities);

    private protected void BeginFit(int programs, int classes)
    {
        Programs = programs;
        Classes = classes;
        _prior = null;
        _accuracies = null;
        _notes.Clear();
    }

    private protected void CompleteFit(double[] prior, double[] accuracies)
    {
        _prior = prior;
        _accuracies = accuracies;
    }

    private protected void Note(string note) => _notes.Add(note);

    private protected double[] Prior => _prior ?? throw NotFitted();

    private protected void CheckShape(int programs, int classes)
    {
        if (!IsFitted)
        {
            throw NotFitted();
        }

        if (programs != Programs || classes != Classes)
        {
            throw new ArgumentException($"model '{Name}' was fitted on {Programs} programs x {Classes} classes, not {programs} x {classes}");
        }
    }

    private protected static string Format(IEnumerable<double> values) =>
        "[" + string.Join(", ", values.Select(v => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture))) + "]";

    private InvalidOperationException NotFitted() => new($"label model '{Name}' is used before Fit");

    /// <summary>
    /// Softmax of bias[y] + sum over the row's votes of weights[code * k + y]: the posterior of a model in which programs
    /// vote independently given the class (naive Bayes over votes), over the classes the row's programs voted for
    /// (<see cref="KeepVotedClasses"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected static void PredictLogLinear(SparseVotes.Shard shard, int classes, double[] weights, double[] bias, Span<float> probabilities)
    {
        Span<double> scores = stackalloc double[classes];
        for (var r = 0; r < shard.RowCount; r++)
        {
            bias.CopyTo(scores);
            var codes = shard.RowCodes(r);
            foreach (var code in codes)
            {
                var w = weights.AsSpan(code * classes, classes);
                for (var y = 0; y < classes; y++)
                {
                    scores[y] += w[y];
                }
            }

            KeepVotedClasses(codes, scores);
            WriteSoftmax(scores, probabilities.Slice(r * classes, classes));
        }
    }

    /// <summary>
    /// A row that some program voted on gets one of the classes voted for: its other classes' scores become -infinity.
    /// Without it the class prior and the evidence of programs that did not fire outvote every program that did, and the
    /// models collapsed onto the classes whose programs fire most (trec: ds and metal put 60 % of test rows in one class).
    /// Measured on the train splits' gold (never test) it helped every model on trec, sms and youtube and hurt none:
    /// wmv 0.429 → 0.465 on trec and 0.867 → 0.918 on sms, metal 0.391 → 0.477 and 0.884 → 0.919, fs 0.302 → 0.483,
    /// ds 0.483 → 0.504; majority vote does it by construction. Rows without votes keep every class.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected static void KeepVotedClasses(ReadOnlySpan<int> codes, Span<double> scores)
    {
        if (codes.IsEmpty)
        {
            return;
        }

        var classes = scores.Length;
        Span<bool> voted = stackalloc bool[classes];
        foreach (var code in codes)
        {
            voted[code % classes] = true;
        }

        for (var y = 0; y < classes; y++)
        {
            if (!voted[y])
            {
                scores[y] = double.NegativeInfinity;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected static void WriteSoftmax(ReadOnlySpan<double> scores, Span<float> output)
    {
        var max = double.NegativeInfinity;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        var sum = 0.0;
        for (var y = 0; y < scores.Length; y++)
        {
            sum += Math.Exp(scores[y] - max);
        }

        for (var y = 0; y < scores.Length; y++)
        {
            output[y] = (float)(Math.Exp(scores[y] - max) / sum);
        }
    }
}
