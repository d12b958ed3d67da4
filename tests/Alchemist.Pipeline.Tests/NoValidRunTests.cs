using Alchemist.Tests;
using Xunit;

namespace Alchemist.Pipeline.Tests;

/// <summary>A project that only labels its own data: train and programs a person wrote, no valid or test split.</summary>
public sealed class NoValidRunTests
{
    [Fact]
    public async Task A_project_without_valid_labels_train_with_the_label_model()
    {
        var project = ExampleProject.CopyTo(Path.Combine(Path.GetTempPath(), "alchemist-no-valid-" + Guid.NewGuid().ToString("N")));
        try
        {
            var spec = Path.Combine(project, "alchemist.yaml");
            File.WriteAllLines(spec, File.ReadAllLines(spec).Where(l => !l.TrimStart().StartsWith("valid:", StringComparison.Ordinal) && !l.TrimStart().StartsWith("test:", StringComparison.Ordinal)));
            Directory.CreateDirectory(Path.Combine(project, "programs"));
            File.WriteAllText(Path.Combine(project, "programs", "subscribe.cs"), "// alchemist-program: subscribe\n// author: person tester\n\npublic static int Label(string text) => text.Contains(\"subscribe\") ? 1 : -1;\n");
            File.WriteAllText(Path.Combine(project, "programs", "song.cs"), "// alchemist-program: song\n// author: person tester\n\npublic static int Label(string text) => text.Contains(\"song\") ? 0 : -1;\n");
            var log = new StringWriter();
            var summary = await new RunPipeline(log).RunAsync(project, TestContext.Current.CancellationToken);
            Assert.Equal("mv", summary.LabelModel);
            Assert.Equal("label_model", summary.FinalSource);
            Assert.Null(summary.BestOnValid);
            Assert.Null(summary.FinalTestAccuracy);
            var lines = File.ReadAllLines(Path.Combine(project, summary.LabelsCsv));
            Assert.Equal(1586, lines.Length - 1);
            Assert.All(lines.Skip(1), l => Assert.StartsWith("train,", l, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(project, recursive: true);
        }
    }
}
