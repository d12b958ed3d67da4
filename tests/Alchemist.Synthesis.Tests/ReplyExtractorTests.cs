using Alchemist.Synthesis.Extraction;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Synthesis.Tests;

public sealed class ReplyExtractorTests
{
    [Fact]
    public void ProseAroundOneBlock_TakesTheBlock()
    {
        var result = ReplyExtractor.Extract("Sure! Here it is:\n\n```csharp\nusing System.Linq;\n\npublic static int Label(string text)\n{\n    return text.Contains(\"win\") ? 1 : -1;\n}\n```\n\nThis abstains otherwise.");

        Assert.True(result.Succeeded, result.Rejection);
        Assert.StartsWith("using System.Linq;", result.Code, StringComparison.Ordinal);
        Assert.EndsWith("}\n", result.Code, StringComparison.Ordinal);
        Assert.DoesNotContain("Sure", result.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralBlocks_TakesTheLastLabel_PlusHelpersItUses_AndDropsUsageExamples()
    {
        const string reply = """
            First a helper:

            ```cs
            static bool HasLink(string t) => t.Contains("http");
            ```

            A first attempt:

            ```csharp
            public static int Label(string text) => -1;
            ```

            Improved version:

            ```csharp
            public static int Label(string text)
            {
                if (HasLink(text)) return 1;
                return -1;
            }

            Console.WriteLine(Label("see http://x"));
            ```

            Example output:

            ```
            1
            ```
            """;

        var result = ReplyExtractor.Extract(reply);

        Assert.True(result.Succeeded, result.Rejection);
        Assert.Contains("static bool HasLink", result.Code, StringComparison.Ordinal);
        Assert.Contains("if (HasLink(text)) return 1;", result.Code, StringComparison.Ordinal);
        Assert.DoesNotContain("=> -1;", result.Code, StringComparison.Ordinal);
        Assert.DoesNotContain("Console.WriteLine", result.Code, StringComparison.Ordinal);
        Assert.Contains(result.Notes, n => n.Contains("helpers", StringComparison.Ordinal));
    }

    [Fact]
    public void ClassAroundTheMethod_AndMain_KeepsTheClassDropsMain()
    {
        const string reply = """
            ```csharp
            using System;
            using System.Text.RegularExpressions;

            public class SpamLabeler
            {
                private static readonly Regex Link = new Regex("https?://");

                public static int Label(string comment)
                {
                    return Link.IsMatch(comment) ? 1 : -1;
                }

                public static void Main()
                {
                    Console.WriteLine(Label("http://spam"));
                }
            }
            ```
            """;

        var result = ReplyExtractor.Extract(reply);

        Assert.True(result.Succeeded, result.Rejection);
        Assert.Contains("public class SpamLabeler", result.Code, StringComparison.Ordinal);
        Assert.Contains("private static readonly Regex Link", result.Code, StringComparison.Ordinal);
        Assert.DoesNotContain("Main", result.Code, StringComparison.Ordinal);
    }

    [Fact]
    public void NoFence_TakesTheMethodByMatchingBraces_IgnoringBracesInStrings()
    {
        const string reply = "Here is the function.\nusing System.Linq;\npublic static int Label(string text)\n{\n    if (text.Contains(\"}\")) return 0; // a } in a comment\n    return text.Count(c => c == '{') > 2 ? 1 : -1;\n}\nIt returns -1 when unsure.";

        var result = ReplyExtractor.Extract(reply);

        Assert.True(result.Succeeded, result.Rejection);
        Assert.StartsWith("using System.Linq;", result.Code, StringComparison.Ordinal);
        Assert.EndsWith("return text.Count(c => c == '{') > 2 ? 1 : -1;\n}\n", result.Code, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("```python\nimport re\n\ndef label(text):\n    return 1 if re.search('free', text) else -1\n```", "Python")]
    [InlineData("```javascript\nfunction label(text) {\n  return text.includes('free') ? 1 : -1;\n}\n```", "JavaScript")]
    [InlineData("```java\npublic static int label(String text) {\n  return text.contains(\"free\") ? 1 : -1;\n}\n```", "Java")]
    [InlineData("def label(text):\n    return -1\n", "Python")]
    public void WrongLanguage_IsRejectedNamingTheLanguage(string reply, string language)
    {
        var result = ReplyExtractor.Extract(reply);

        Assert.False(result.Succeeded);
        Assert.Contains(language, result.Rejection, StringComparison.Ordinal);
        Assert.Contains("not C#", result.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void NoCode_IsRejected()
    {
        var result = ReplyExtractor.Extract("I cannot write code for this task, but spam usually contains links.");

        Assert.False(result.Succeeded);
        Assert.Contains("no code", result.Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void CutOffReply_IsTakenWithANote_SoTheCompilerCanReportIt()
    {
        var result = ReplyExtractor.Extract("```csharp\npublic static int Label(string text)\n{\n    if (text.Length > 3");

        Assert.True(result.Succeeded);
        Assert.Contains(result.Notes, n => n.Contains("not closed", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryRecordedProgramReply_YieldsOneLabelMethod()
    {
        var recordings = SharedFolder.Require("llm-recordings");
        var files = Directory.GetFiles(recordings, "*.response.md", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f).StartsWith("plain-", StringComparison.Ordinal) || f.EndsWith(".stage2.response.md", StringComparison.Ordinal))
            .ToArray();
        Assert.Equal(40, files.Length);
        foreach (var file in files)
        {
            var result = ReplyExtractor.Extract(File.ReadAllText(file));
            Assert.True(result.Succeeded, $"{file}: {result.Rejection}");
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(result.Code!, @"\bint\s+Label\s*\("));
            Assert.DoesNotContain("```", result.Code, StringComparison.Ordinal);
        }
    }
}
