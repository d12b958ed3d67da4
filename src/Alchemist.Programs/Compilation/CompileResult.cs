using System.Text;

namespace Alchemist.Programs.Compilation;

/// <summary>The outcome of compiling and verifying one program: a loadable program, or the reasons it was rejected.</summary>
public sealed class CompileResult
{
    internal CompileResult(CompiledProgram? program, IReadOnlyList<ProgramDiagnostic> diagnostics, TimeSpan elapsed)
    {
        Program = program;
        Diagnostics = diagnostics;
        Elapsed = elapsed;
    }

    /// <summary>Whether the program compiled and passed verification; <see cref="Program"/> is then set.</summary>
    public bool Succeeded => Program is not null;

    /// <summary>The loadable program; null when it was rejected.</summary>
    public CompiledProgram? Program { get; }

    /// <summary>Why the program was rejected (empty on success).</summary>
    public IReadOnlyList<ProgramDiagnostic> Diagnostics { get; }

    /// <summary>Time spent checking, compiling and verifying the program.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>True when the C# itself is fine and the sandbox verifier rejected it.</summary>
    public bool RejectedByVerifier => Diagnostics.Any(d => d.Stage == DiagnosticStage.Verify);

    /// <summary>The rejection as text for the repair loop: what is wrong, line by line, and what to do.</summary>
    public string FeedbackForLlm()
    {
        if (Succeeded)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        var stage = Diagnostics.Count > 0 ? Diagnostics[0].Stage : DiagnosticStage.Compile;
        builder.AppendLine(stage switch
        {
            DiagnosticStage.Verify => "The program compiles but the sandbox rejected it. Fix every point below and reply with the whole program:",
            DiagnosticStage.Shape => "The program does not have the required shape. Fix every point below and reply with the whole program:",
            DiagnosticStage.Internal => "Alchemist could not instrument the program (not your fault); simplifying the code around these lines may help:",
            DiagnosticStage.Limits => "The program is larger or more deeply nested than the sandbox compiles. Simplify it and reply with the whole program:",
            _ => "The program does not compile. Fix every error below and reply with the whole program:",
        });
        foreach (var diagnostic in Diagnostics)
        {
            builder.Append("- ").AppendLine(diagnostic.ToString());
        }

        return builder.ToString();
    }

    /// <summary>"compiled in N ms" on success, otherwise <see cref="FeedbackForLlm"/>.</summary>
    public override string ToString() => Succeeded ? $"compiled in {Elapsed.TotalMilliseconds:0} ms" : FeedbackForLlm();
}
