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
    public string FeedbackForLlm() => Describe(stage => stage switch
    {
        DiagnosticStage.Verify => "The program compiles but the sandbox rejected it. Fix every point below and reply with the whole program:",
        DiagnosticStage.Shape => "The program does not have the required shape. Fix every point below and reply with the whole program:",
        DiagnosticStage.Internal => "Alchemist could not instrument the program (not your fault); simplifying the code around these lines may help:",
        DiagnosticStage.Limits => "The program is larger or more deeply nested than the sandbox compiles. Simplify it and reply with the whole program:",
        _ => "The program does not compile. Fix every error below and reply with the whole program:",
    });

    /// <summary>
    /// The rejection as text for a person reading the run's log or report (the LLM's wording asks for a reply): what is
    /// wrong, line by line; empty on success.
    /// </summary>
    public string DescribeForPerson() => Describe(stage => stage switch
    {
        DiagnosticStage.Verify => "it compiles, but the sandbox refuses it:",
        DiagnosticStage.Shape => "it does not have the shape of a labeling program:",
        DiagnosticStage.Internal => "Alchemist could not instrument it (a limit of Alchemist, not a fault of the program; simplifying the code around these lines may help):",
        DiagnosticStage.Limits => "it is larger or more deeply nested than the sandbox compiles:",
        _ => "it does not compile:",
    });

    /// <summary>A headline for the first diagnostic's stage, then every diagnostic on a line; empty on success.</summary>
    private string Describe(Func<DiagnosticStage, string> headline)
    {
        if (Succeeded)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        builder.AppendLine(headline(Diagnostics.Count > 0 ? Diagnostics[0].Stage : DiagnosticStage.Compile));
        foreach (var diagnostic in Diagnostics)
        {
            builder.Append("- ").AppendLine(diagnostic.ToString());
        }

        return builder.ToString();
    }

    /// <summary>Whether it failed because it reads a member its row record does not have: a field the spec does not give.</summary>
    public bool ReadsAMissingField => Diagnostics.Any(d => d.Stage == DiagnosticStage.Compile && d.Message.Contains("'Row' does not contain a definition for", StringComparison.Ordinal));

    /// <summary>"compiled in N ms" on success, otherwise <see cref="FeedbackForLlm"/>.</summary>
    public override string ToString() => Succeeded ? $"compiled in {Elapsed.TotalMilliseconds:0} ms" : FeedbackForLlm();
}
