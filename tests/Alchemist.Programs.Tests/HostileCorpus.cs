using System.Text.RegularExpressions;

namespace Alchemist.Programs.Tests;

/// <summary>Where a hostile program must be stopped.</summary>
public enum HostileExpectation
{
    /// <summary>The verifier rejects it before it runs; <see cref="HostileProgram.Detail"/> is part of the reason.</summary>
    RejectedAtVerify,

    /// <summary>It compiles and runs, and the in-process budgets contain it; <see cref="HostileProgram.Detail"/> is
    /// "budget", "exception", "invalid" or "error" (any of them).</summary>
    ContainedAtRun,

    /// <summary>It compiles and runs, and only the worker process can stop it (a loop inside a BCL call, one huge allocation).</summary>
    ContainedByWorker,
}

/// <summary>One program of tests/Alchemist.Programs.Tests/Hostile: its source and where it must be stopped.</summary>
public sealed record HostileProgram(string Name, string Source, HostileExpectation Expectation, string Detail)
{
    public override string ToString() => Name;
}

/// <summary>
/// Reads the hostile corpus. Each file says what it attempts, then one machine-readable line:
/// <c>// expect: verify "reason fragment"</c>, <c>// expect: run budget|exception|invalid|error</c> or <c>// expect: worker</c>.
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
            "run" => HostileExpectation.ContainedAtRun,
            "worker" => HostileExpectation.ContainedByWorker,
            var other => throw new FormatException($"{path}: unknown expectation '{other}'"),
        };
        var detail = match.Groups["detail"].Value.Trim().Trim('"');
        return new HostileProgram(name, source, expectation, detail);
    }

    [GeneratedRegex(@"^// expect: (?<kind>\w+)(?<detail>.*)$", RegexOptions.Multiline)]
    private static partial Regex ExpectLine();
}
