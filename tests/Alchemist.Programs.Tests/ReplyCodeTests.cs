using Alchemist.Programs.Source;
using Xunit;

namespace Alchemist.Programs.Tests;

public sealed class ReplyCodeTests
{
    [Fact]
    public void TakesTheCSharpBlockThatHoldsLabel()
    {
        const string reply = """
            Here is an example input:
            ```
            some text
            ```
            And the function:
            ```csharp
            public static int Label(string text) => 1;
            ```
            Done.
            """;
        Assert.Equal("public static int Label(string text) => 1;", ReplyCode.ExtractProgram(reply));
    }

    [Fact]
    public void PrefersTheLastRevisionAndAcceptsOtherTagsAndFences()
    {
        const string reply = """
            ~~~cs
            public static int Label(string text) => 0;
            ~~~
            Actually, better:
            ````C#
            public static int Label(string text) => 1;
            ````
            """;
        Assert.Equal("public static int Label(string text) => 1;", ReplyCode.ExtractProgram(reply));
    }

    [Fact]
    public void FallsBackToAnUntaggedBlockAndReportsNoneWhenThereIsNoLabel()
    {
        Assert.Equal("int Label(string s) => 0;", ReplyCode.ExtractProgram("```\nint Label(string s) => 0;\n```"));
        Assert.Null(ReplyCode.ExtractProgram("```csharp\nint Other() => 0;\n```"));
        Assert.Null(ReplyCode.ExtractProgram("no code at all"));
    }

    [Fact]
    public void AnUnclosedFenceRunsToTheEndOfTheReply()
    {
        var blocks = ReplyCode.FencedBlocks("intro\n```csharp\npublic static int Label(string t) => 1;\n");
        var block = Assert.Single(blocks);
        Assert.Equal("csharp", block.Language);
        Assert.Equal(3, block.FirstLine);
        Assert.StartsWith("public static int Label", block.Code, StringComparison.Ordinal);
    }
}
