namespace Alchemist.LabelModels;

/// <summary>Limited-memory BFGS with a backtracking (Armijo) line search, for the small smooth problems label models solve.</summary>
internal static class Lbfgs
{
    /// <summary>Evaluates the objective at x, writes its gradient into the second argument and returns the value.</summary>
    public delegate double Objective(ReadOnlySpan<double> x, Span<double> gradient);

    public readonly record struct Result(double Value, int Iterations, int Evaluations, bool Converged);

    /// <summary>
    /// Minimises from <paramref name="x"/> (updated in place). Converged means the gradient's largest entry fell below
    /// <paramref name="gradientTolerance"/> times max(1, |f|), the relative decrease of one step fell below
    /// <paramref name="valueTolerance"/>, or the relative decrease over the last 10 steps fell below
    /// <paramref name="windowTolerance"/> (a flat valley where each step still gains a little).
    /// </summary>
    public static Result Minimize(Objective objective, double[] x, int maxIterations = 500, int memory = 8,
        double gradientTolerance = 1e-9, double valueTolerance = 1e-12, double windowTolerance = 0)
    {
        const int window = 10;
        var recent = new double[window];
        var n = x.Length;
        var gradient = new double[n];
        var direction = new double[n];
        var candidate = new double[n];
        var candidateGradient = new double[n];
        var sHistory = new double[memory][];
        var yHistory = new double[memory][];
        var rho = new double[memory];
        var alpha = new double[memory];
        for (var i = 0; i < memory; i++)
        {
            sHistory[i] = new double[n];
            yHistory[i] = new double[n];
        }

        var value = objective(x, gradient);
        var evaluations = 1;
        var stored = 0;
        var newest = -1;
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            if (MaxAbs(gradient) <= gradientTolerance * Math.Max(1, Math.Abs(value)))
            {
                return new Result(value, iteration - 1, evaluations, true);
            }

            // Two-loop recursion: direction = -H * gradient.
            gradient.CopyTo(direction, 0);
            for (var h = 0; h < stored; h++)
            {
                var i = (newest - h + memory) % memory;
                alpha[i] = rho[i] * Dot(sHistory[i], direction);
                Axpy(-alpha[i], yHistory[i], direction);
            }

            var scale = stored > 0 ? Dot(sHistory[newest], yHistory[newest]) / Dot(yHistory[newest], yHistory[newest]) : 1.0 / Math.Max(1e-12, Norm(gradient));
            for (var i = 0; i < n; i++)
            {
                direction[i] *= scale;
            }

            for (var h = stored - 1; h >= 0; h--)
            {
                var i = (newest - h + memory) % memory;
                var beta = rho[i] * Dot(yHistory[i], direction);
                Axpy(alpha[i] - beta, sHistory[i], direction);
            }

            for (var i = 0; i < n; i++)
            {
                direction[i] = -direction[i];
            }

            var slope = Dot(gradient, direction);
            if (slope >= 0)
            {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                stored = 0;
                for (var i = 0; i < n; i++)
                {
                    direction[i] = -gradient[i] / Math.Max(1e-12, Norm(gradient));
                }

                slope = Dot(gradient, direction);
            }

            var step = 1.0;
            double candidateValue;
            while (true)
            {
                for (var i = 0; i < n; i++)
                {
                    candidate[i] = x[i] + step * direction[i];
                }

                candidateValue = objective(candidate, candidateGradient);
                evaluations++;
                if (candidateValue <= value + 1e-4 * step * slope || step < 1e-20)
                {
                    break;
                }

                step *= 0.5;
            }

            if (step < 1e-20)
            {
                return new Result(value, iteration, evaluations, true);
            }

            newest = (newest + 1) % memory;
            var s = sHistory[newest];
            var y = yHistory[newest];
            for (var i = 0; i < n; i++)
            {
                s[i] = candidate[i] - x[i];
                y[i] = candidateGradient[i] - gradient[i];
            }

            var sy = Dot(s, y);
            if (sy > 1e-300)
            {
                rho[newest] = 1 / sy;
                stored = Math.Min(stored + 1, memory);
            }
            else
            {
                newest = (newest - 1 + memory) % memory;
            }

            var decrease = value - candidateValue;
            candidate.CopyTo(x, 0);
            candidateGradient.CopyTo(gradient, 0);
            value = candidateValue;
            if (decrease <= valueTolerance * Math.Max(1e-300, Math.Abs(value)) && decrease >= 0 && iteration > 1)
            {
                return new Result(value, iteration, evaluations, true);
            }

            if (iteration > window && recent[iteration % window] - value <= windowTolerance * Math.Abs(value))
            {
                return new Result(value, iteration, evaluations, true);
            }

            recent[iteration % window] = value;
        }

        return new Result(value, maxIterations, evaluations, false);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static void Axpy(double factor, ReadOnlySpan<double> x, Span<double> target)
    {
        for (var i = 0; i < x.Length; i++)
        {
            target[i] += factor * x[i];
        }
    }

    private static double Norm(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));

    private static double MaxAbs(ReadOnlySpan<double> a)
    {
        var max = 0.0;
        foreach (var v in a)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
