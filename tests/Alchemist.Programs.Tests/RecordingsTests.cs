using Alchemist.Data;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Programs.Source;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Programs.Tests;

/// <summary>
/// False rejections: every real LLM reply in ../shared/llm-recordings whose program compiles as plain C# must pass the
/// sandbox, and the instrumented program must label the data set's valid split exactly as the uninstrumented one does.
/// </summary>
public sealed class RecordingsTests
{
    private static readonly string[] DataSets = ["youtube", "sms", "trec", "finance"];

    /// <summary>Rows of each valid split the instrumented and uninstrumented programs are compared on.</summary>
    private const int ComparedRows = 300;

    [Fact]
    public void RecordedProgramsPassTheVerifierAndLabelExactlyAsWithoutBudgets()
    {
        var failures = new List<string>();
        var checkedPrograms = 0;
        foreach (var dataSet in DataSets)
        {
            var signature = SignatureOf(dataSet);
            var compiler = new ProgramCompiler(signature);
            var rows = WrenchSource.Open(SharedFolder.Dataset(dataSet), "valid").ReadAll();
            var count = Math.Min(ComparedRows, rows.Count);
            var columns = ProgramColumns.From(rows, signature);
            foreach (var (reply, code) in Replies(dataSet))
            {
                if (code is null)
                {
                    failures.Add($"{reply}: no C# block with a Label method");
                    continue;
                }

                if (!compiler.CompilesAsPlainCSharp(code, out var plainErrors))
                {
                    // Not a false rejection, but the recordings are known to compile: say so loudly.
                    failures.Add($"{reply}: does not compile as plain C#: {string.Join("; ", plainErrors)}");
                    continue;
                }

                checkedPrograms++;
                var name = Path.GetFileNameWithoutExtension(reply).Replace('.', '_');
                var result = compiler.Compile(code, name);
                if (!result.Succeeded)
                {
                    failures.Add($"{reply}: {result.FeedbackForLlm()}");
                    continue;
                }

                using var instrumented = result.Program!.Load();
                using var plain = compiler.CompileWithoutBudgets(code, name + "_plain").Program!.Load();
                var expected = new sbyte[count];
                var actual = new sbyte[count];
                var invoker = instrumented.CreateInvoker();
                plain.CreateInvoker().LabelRange(columns, 0, expected, 0);
                invoker.LabelRange(columns, 0, actual, 0);
                if (!expected.AsSpan().SequenceEqual(actual))
                {
                    failures.Add($"{reply}: instrumented labels differ from uninstrumented ones");
                }

                if (invoker.Stats.Errors > 0 || invoker.Stats.Votes == 0)
                {
                    failures.Add($"{reply}: {invoker.Stats}; {string.Join(" | ", invoker.Stats.FirstErrors)}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(40, checkedPrograms);
    }

    private static ProgramSignature SignatureOf(string dataSet) =>
        ProgramSignature.SingleText("text", ClassLabels.ReadLabelJson(Path.Combine(SharedFolder.Dataset(dataSet), "label.json")));

    private static IEnumerable<(string Reply, string? Code)> Replies(string dataSet) =>
        Directory.GetFiles(SharedFolder.Recordings(dataSet), "*.response.md")
            .Where(f => Path.GetFileName(f).StartsWith("plain-", StringComparison.Ordinal) || f.EndsWith(".stage2.response.md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.Combine(dataSet, Path.GetFileName(f)), ReplyCode.ExtractProgram(File.ReadAllText(f))));
}
