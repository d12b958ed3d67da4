namespace Alchemist.Spec;

/// <summary>A task spec that cannot be used: names the file, the line and the key (as a dotted path such as llm.provider).</summary>
public sealed class SpecException : UserError
{
    internal SpecException(string file, long? line, string? key, string problem, Exception? inner = null)
        : base(Compose(file, line, key, problem), file, line, key, inner)
    {
        Problem = problem;
    }

    /// <summary>What is wrong, without the file, line and key the message leads with.</summary>
    public string Problem { get; }

    private static string Compose(string file, long? line, string? key, string problem)
    {
        var where = line is null ? file : $"{file}:{line}";
        return key is null ? $"{where}: {problem}" : $"{where}: {key}: {problem}";
    }
}
