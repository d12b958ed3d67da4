using System.Text.RegularExpressions;

namespace Alchemist.Programs.Tests;

/// <summary>Where a hostile program must be stopped.</summary>
public enum HostileExpectation
{
    /// <summary>The verifier rejects it before it runs; <see cref="HostileProgram.Detail"/> is part of the reason.</summary>
    RejectedAtVerify,

    /// <summary>
    /// The compiler rejects it under the sandbox's options (a type that shadows an imported one is an error there, a
    /// warning in plain C#); <see cref="HostileProgram.Detail"/> is part of the reason.
    /// </summary>
    RejectedAtCompile,

    /// <summary>It compiles and runs, and the in-process budgets contain it; <see cref="HostileProgram.Detail"/> is
    /// "budget", "exception", "invalid" or "error" (any of them).</summary>
    ContainedAtRun,

    /// <summary>It compiles and runs, and only the worker process can stop it (a loop inside a BCL call, one huge allocation).</summary>
    ContainedByWorker,

    /// <summary>It compiles and runs, and is disabled for changing its static state (its votes could depend on row order).</summary>
    ChangesStaticState,

    /// <summary>
    /// Its source is larger or deeper than the sandbox compiles: rejected before Roslyn sees it, or by the compiler process;
    /// <see cref="HostileProgram.Detail"/> is part of the reason. The source is generated (<c>// generate: KIND COUNT</c>).
    /// </summary>
    RejectedByLimits,
}

/// <summary>One program of tests/Alchemist.Programs.Tests/Hostile: its source and where it must be stopped.</summary>
public sealed record HostileProgram(string Name, string Source, HostileExpectation Expectation, string Detail)
{
    public override string ToString() => Name;
}

/// <summary>
/// Reads the hostile corpus. Each file says what it attempts, then one machine-readable line:
/// <c>// expect: verify "reason fragment"</c>, <c>// expect: run budget|exception|invalid|error</c>, <c>// expect: worker</c>,
/// <c>// expect: static</c> or <c>// expect: limits "reason fragment"</c> (with <c>// generate: KIND COUNT</c>).
/// Every program is written for a single-text task with classes HAM, SPAM (<see cref="Signature"/>).
/// </summary>
public static partial class HostileCorpus
{
    public static ProgramSignature Signature { get; } = ProgramSignature.SingleText("text", ["HAM", "SPAM"]);

    public static string Folder
    {
        get
        {
            var copied = Path.Combine(AppContext.BaseDirectory, "Hostile");
            return Directory.Exists(copied)
                ? copied
                : Path.Combine(Alchemist.Tests.SharedFolder.RepositoryRoot, "tests", "Alchemist.Programs.Tests", "Hostile");
        }
    }

    public static IReadOnlyList<HostileProgram> Load() =>
        [.. Directory.GetFiles(Folder, "*.cs").Order(StringComparer.Ordinal).Select(Parse)];

    public static HostileProgram Parse(string path)
    {
        var source = File.ReadAllText(path);
        var name = Path.GetFileNameWithoutExtension(path);
        var match = ExpectLine().Match(source);
        if (!match.Success)
        {
            throw new FormatException($"{path}: no '// expect: verify \"...\" | run KIND | worker' line");
        }

        var expectation = match.Groups["kind"].Value switch
        {
            "verify" => HostileExpectation.RejectedAtVerify,
            "compile" => HostileExpectation.RejectedAtCompile,
            "run" => HostileExpectation.ContainedAtRun,
            "worker" => HostileExpectation.ContainedByWorker,
            "static" => HostileExpectation.ChangesStaticState,
            "limits" => HostileExpectation.RejectedByLimits,
            var other => throw new FormatException($"{path}: unknown expectation '{other}'"),
        };
        var detail = match.Groups["detail"].Value.Trim().Trim('"');
        if (GenerateLine().Match(source) is { Success: true } generate)
        {
            source = Generate(path, source, generate.Groups["kind"].Value, int.Parse(generate.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        return new HostileProgram(name, source, expectation, detail);
    }

    /// <summary>
    /// A compile bomb too large to keep in the repository: <c>// generate: KIND COUNT</c> puts the generated text where
    /// the file says <c>/*BOMB*/</c>.
    /// </summary>
    private static string Generate(string path, string source, string kind, int count)
    {
        string Repeat(string text, int times) => new System.Text.StringBuilder(text.Length * times).Insert(0, text, times).ToString();
        var bomb = kind switch
        {
            "parentheses" => Repeat("(", count) + "1" + Repeat(")", count),
            "generic" => Repeat("List<", count) + "int" + Repeat(">", count),
            "braces" => Repeat("{", count) + Repeat("}", count),
            "interpolation" => Repeat("$\"{", count) + "1" + Repeat("}\"", count),
            "additions" => string.Join('+', Enumerable.Repeat("1", count)),
            "calls" => "text" + Repeat(".Trim()", count),
            "bytes" => "/*" + new string('x', count) + "*/",
            _ => throw new FormatException($"{path}: unknown generator '{kind}'"),
        };
        return source.Replace("/*BOMB*/", bomb, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^// expect: (?<kind>\w+)(?<detail>.*)$", RegexOptions.Multiline)]
    private static partial Regex ExpectLine();

    [GeneratedRegex(@"^// generate: (?<kind>\w+) (?<count>\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex GenerateLine();
}
