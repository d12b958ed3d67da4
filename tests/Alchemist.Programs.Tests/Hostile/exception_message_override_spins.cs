// Attempts: throws its own exception whose Message getter loops, run by the host outside any budget when it reads the message.
// expect: verify "derives from"

sealed class Spinning : System.Exception
{
    public override string Message
    {
        get
        {
            while (true) { }
        }
    }
}

public static int Label(string text) => throw new Spinning();
