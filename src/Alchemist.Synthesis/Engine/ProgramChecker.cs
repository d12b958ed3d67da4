using System.Text;
using Alchemist.Data;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Runtime;
using Alchemist.Spec;

namespace Alchemist.Synthesis.Engine;

/// <summary>Which check a program failed; null stage means it passed.</summary>
internal enum CheckStage
{
    Extract,
    Compile,
    Run,
    Coverage,
}

/// <summary>
/// The verdict on one candidate program: accepted with its votes on the check sample (used to drop duplicates), or
/// rejected with a short <see cref="Reason"/> for people and a <see cref="Feedback"/> text for the repair prompt.
/// </summary>
internal sealed record ProgramCheck(bool Accepted, CheckStage? Stage, string? Reason, string? Feedback, sbyte[]? SampleVotes, double Coverage)
{
    public static ProgramCheck Reject(CheckStage stage, string reason, string feedback) => new(false, stage, reason, feedback, null, 0);
}

/// <summary>Compiles, verifies and smoke-tests candidate programs.</summary>
internal interface IProgramChecker
{
    /// <summary>Rows the smoke test runs on.</summary>
    int SampleRows { get; }

    ProgramCheck Check(string name, string code, CancellationToken cancellationToken);
}

/// <summary>
/// The sandbox's checks on a candidate: Roslyn compile with the allowlist verifier and injected budgets, then a run over
/// sampled rows through the apply engine (in a killable worker process unless isolation is off). It must not fail on any
/// sampled row (beyond a 1 % allowance for rows over the time budget on a busy machine), must return only valid labels, must
/// vote on a non-trivial share of rows, and must not give one class to (nearly) every row.
/// </summary>
internal sealed class SandboxProgramChecker : IProgramChecker, IDisposable
{
    private readonly IsolatedProgramCompiler _compiler;
    private readonly DataBatch _sample;
    private readonly ApplyEngine _engine;
    private readonly ProgramBudgets _budgets;
    private readonly double _minCoverage;
    private readonly bool _showRowsInFeedback;
    private readonly MemorySource _source;

    public SandboxProgramChecker(
        ProgramSignature signature,
        DataBatch sample,
        ApplyOptions applyOptions,
        ProgramBudgets? budgets = null,
        double minCoverage = 0.01,
        bool showRowsInFeedback = false,
        SourceLimits? limits = null)
    {
        // LLM replies are untrusted source: Roslyn reads them in the compiler process, never in this one.
        _compiler = new IsolatedProgramCompiler(signature, limits, applyOptions.WorkerPath);
        _sample = sample;
        _engine = new ApplyEngine(applyOptions with { CacheDirectory = null });
        _budgets = budgets ?? ProgramBudgets.Default;
        _minCoverage = minCoverage;
        _showRowsInFeedback = showRowsInFeedback;
        _source = new MemorySource(sample, signature.ClassNames);
        Signature = signature;
    }

    public ProgramSignature Signature { get; }

    public int SampleRows => _sample.Count;

    public void Dispose()
    {
        _engine.Dispose();
        _compiler.Dispose();
    }

    public ProgramCheck Check(string name, string code, CancellationToken cancellationToken)
    {
        var compiled = _compiler.Compile(code, name);
        if (!compiled.Succeeded)
        {
            var stage = compiled.RejectedByVerifier ? "sandbox verifier" : "compiler";
            var first = compiled.Diagnostics.Count > 0 ? compiled.Diagnostics[0].ToString() : "unknown problem";
            return ProgramCheck.Reject(CheckStage.Compile, $"{stage}: {first}", CompileFeedback(compiled, code));
        }

        using var program = new SandboxedProgram(compiled.Program!, _budgets);
        var result = _engine.Apply("check", _source, [program], Signature.Classes, cancel: cancellationToken);
        var run = result.Programs[0];
        var votes = result.Matrix.ColumnArray(0);
        // Exceptions and invalid labels are the program's fault on any row. A row over its time budget can also be a machine
        // too busy to run it in time, so a few of those are tolerated; the apply engine's own fault limit still applies later.
        var tolerableOverBudget = Math.Max(1, run.Rows / 100);
        if (run.Status != ProgramStatus.Ok && run.Errors + run.BudgetExceeded == 0)
        {
            // Disabled without a failing row: it changed its static state, or its worker had to be stopped.
            return ProgramCheck.Reject(CheckStage.Run, $"disabled on the sample rows: {run.Reason}",
                $"The program compiles, but running it on {run.Rows} real inputs the sandbox disabled it: {run.Reason}.");
        }

        if (run.Errors > 0 || run.BudgetExceeded > tolerableOverBudget || run.Status != ProgramStatus.Ok)
        {
            var place = run.FirstFault is null ? "" : $"; first on sample row {run.FirstFaultRow}: {run.FirstFault}";
            var reason = $"failed on {run.Errors + run.BudgetExceeded} of {run.Rows} sample rows ({run.BudgetExceeded} over budget){place}";
            var feedback = new StringBuilder()
                .Append("The program compiles, but running it on ").Append(run.Rows).Append(" real inputs it failed on ")
                .Append(run.Errors + run.BudgetExceeded).Append(" of them");
            if (run.FirstFault is not null)
            {
                feedback.Append(". The first failure: ").Append(run.FirstFault);
                if (_showRowsInFeedback && run.FirstFaultRow >= 0 && run.FirstFaultRow < _sample.Count)
                {
                    feedback.Append("\nThe input it failed on:\n")
                        .Append(Prompts.DataFence.Wrap("input", SampleText((int)run.FirstFaultRow)));
                }
            }

            feedback.Append(".\nIt must return a class index or -1 for every input, including empty or unusual ones, within the time and memory limits, and must not throw.");
            return ProgramCheck.Reject(CheckStage.Run, reason, feedback.ToString());
        }

        var counts = new int[Signature.Classes];
        var voted = 0;
        foreach (var vote in votes)
        {
            if (vote >= 0)
            {
                counts[vote]++;
                voted++;
            }
        }

        var coverage = run.Rows == 0 ? 0 : (double)voted / run.Rows;
        if (voted == 0 || coverage < _minCoverage)
        {
            return ProgramCheck.Reject(
                CheckStage.Coverage,
                $"votes on {voted} of {run.Rows} sample rows ({coverage:P1}); at least {_minCoverage:P0} needed",
                $"The program runs, but on {run.Rows} real inputs it returned a class for only {voted} ({coverage:P1}) and abstained on the rest. " +
                "Its rules are too narrow: broaden them so that it labels a meaningful share of inputs, still abstaining when there is no signal.");
        }

        var top = Array.IndexOf(counts, counts.Max());
        if (run.Rows >= 20 && voted == counts[top] && coverage >= 0.99)
        {
            return ProgramCheck.Reject(
                CheckStage.Coverage,
                $"gives class {top} ({Signature.ClassNames[top]}) to every sample row",
                $"The program returns {top} ({Signature.ClassNames[top]}) for every one of {run.Rows} real inputs, so it carries no information. " +
                "Write rules that tell the classes apart and abstain (-1) when there is no signal.");
        }

        return new ProgramCheck(true, null, null, null, votes, coverage);
    }

    private string SampleText(int row) =>
        string.Join('\n', Signature.Fields.Select(f => f.Type == InputType.Text
            ? (Signature.Fields.Count == 1 ? _sample.Text(f.Name)[row] : $"{f.Name}: {_sample.Text(f.Name)[row]}")
            : $"{f.Name}: {_sample.Number(f.Name)[row]}"));

    /// <summary>The compiler's feedback with each diagnostic's source line quoted, since the LLM cannot count lines.</summary>
    private static string CompileFeedback(CompileResult compiled, string code)
    {
        var lines = code.ReplaceLineEndings("\n").Split('\n');
        var text = new StringBuilder();
        var feedback = compiled.FeedbackForLlm().ReplaceLineEndings("\n").Split('\n');
        text.Append(feedback[0]).Append('\n');
        foreach (var diagnostic in compiled.Diagnostics)
        {
            text.Append("- ").Append(diagnostic.Message);
            if (diagnostic.Line >= 1 && diagnostic.Line <= lines.Length && lines[diagnostic.Line - 1].Trim().Length > 0)
            {
                text.Append(" (line ").Append(diagnostic.Line).Append(": `").Append(lines[diagnostic.Line - 1].Trim()).Append("`)");
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
