namespace Alchemist.Programs.Compilation;

/// <summary>The step at which a program was rejected.</summary>
public enum DiagnosticStage
{
    /// <summary>The source is larger or more deeply nested than the sandbox compiles, or compiling it ran out of time or memory.</summary>
    Limits,

    /// <summary>The source is not a usable labeling program (no Label method, wrong signature).</summary>
    Shape,

    /// <summary>The C# compiler rejected the source.</summary>
    Compile,

    /// <summary>The sandbox verifier rejected something the program uses or declares.</summary>
    Verify,

    /// <summary>Alchemist failed to instrument a program that passed verification (a bug in Alchemist, not in the program).</summary>
    Internal,
}

/// <summary>
/// One reason a program was rejected. <see cref="Line"/> is 1-based in the text given to the compiler (0 when the problem
/// has no place); <see cref="Message"/> is written so that an LLM can act on it.
/// </summary>
public sealed record ProgramDiagnostic(DiagnosticStage Stage, int Line, int Column, string Message)
{
    /// <summary>The message, led by "line N: " when it has a line.</summary>
    public override string ToString() => Line > 0 ? $"line {Line}: {Message}" : Message;
}
