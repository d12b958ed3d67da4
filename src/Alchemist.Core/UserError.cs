namespace Alchemist;

/// <summary>
/// A condition the user can act on (a spec key, a data row, an LLM reply, a program), as opposed to a bug: the command line
/// prints its message alone and exits 1, and under <c>--json</c> gives its file, line and key as fields. Spec, data and
/// synthesis errors derive from it; anything else that escapes a command is a bug and shows its stack under
/// <c>--verbose</c>.
/// </summary>
public class UserError : Exception
{
    /// <summary>A problem the user can fix, with where it is when known.</summary>
    /// <param name="message">What is wrong and, where it helps, what to do about it; printed alone.</param>
    /// <param name="file">The file the problem is in, or null.</param>
    /// <param name="line">1-based line in <paramref name="file"/>, or null.</param>
    /// <param name="key">The spec key or data field involved, or null.</param>
    /// <param name="inner">The exception that revealed the problem, or null.</param>
    public UserError(string message, string? file = null, long? line = null, string? key = null, Exception? inner = null)
        : base(message, inner)
    {
        File = file;
        Line = line;
        Key = key;
    }

    /// <summary>The file the problem is in, when one is.</summary>
    public string? File { get; }

    /// <summary>1-based line in <see cref="File"/>, when known.</summary>
    public long? Line { get; }

    /// <summary>The spec key (a dotted path such as llm.provider) or data field involved, when one is.</summary>
    public string? Key { get; }
}
