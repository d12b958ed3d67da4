namespace Alchemist.Synthesis;

/// <summary>A synthesis problem the user can act on; the message names the file, call or setting involved.</summary>
public class SynthesisException : UserError
{
    public SynthesisException(string message)
        : base(message)
    {
    }

    public SynthesisException(string message, Exception inner)
        : base(message, inner: inner)
    {
    }
}
