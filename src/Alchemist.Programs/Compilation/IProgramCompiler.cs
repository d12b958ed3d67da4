namespace Alchemist.Programs.Compilation;

/// <summary>
/// Compiles and verifies labeling programs for one task signature: <see cref="ProgramCompiler"/> in this process (trusted
/// callers, tests, benchmarks), <see cref="IsolatedProgramCompiler"/> in a child process with a memory cap and a deadline
/// (what the product uses for program files and LLM replies).
/// </summary>
public interface IProgramCompiler
{
    /// <summary>The inputs and classes programs are compiled for.</summary>
    ProgramSignature Signature { get; }

    /// <summary>Limits on a program's source and on compiling it.</summary>
    SourceLimits Limits { get; }

    /// <summary>Compiles source text (an LLM's code block, a file's text); diagnostics carry line numbers of that text.</summary>
    CompileResult Compile(string source, string name = "program");

    /// <summary>The cache key compiling <paramref name="source"/> would give, without compiling.</summary>
    string CacheKeyOf(string source);
}

/// <summary>Compiling program files.</summary>
public static class ProgramCompilerExtensions
{
    /// <summary>Compiles a program file; diagnostics carry the line numbers of the file as it was read.</summary>
    public static CompileResult Compile(this IProgramCompiler compiler, ProgramFile file) => compiler.Compile(file.TextToCompile(), file.Name);
}
