namespace Alchemist.Synthesis;

/// <summary>A synthesis problem the user can act on; the message names the file, call or setting involved.</summary>
public class SynthesisException : UserError
{
    internal SynthesisException(string message)
        : base(message)
    {
    }

    internal SynthesisException(string message, Exception inner)
        : base(message, inner: inner)
    {
    }
}
