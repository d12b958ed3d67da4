using Alchemist.Spec;
using Xunit;

namespace Alchemist.Cli.Tests;

public sealed class InitCommandTests
{
    [Fact]
    public void Init_writes_a_spec_that_refers_to_the_data_and_loads()
    {
        var root = Path.Combine(Path.GetTempPath(), "alchemist-init-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(root);
            var data = Path.Combine(root, "comments.csv");
            File.WriteAllLines(data, ["body,tag", .. Enumerable.Range(0, 40).Select(i => $"\"comment number {i}\",{(i % 2 == 0 ? "spam" : "ham")}")]);
            var project = Path.Combine(root, "project");

            var code = Cli.Program.Main(["init", project, "--data", data, "--text-field", "body", "--label-field", "tag", "--classes", "ham,spam"]);

            Assert.Equal(0, code);
            var spec = SpecReader.Load(project);
            Assert.Equal(["ham", "spam"], spec.ClassNames);
            Assert.Equal("body", Assert.Single(spec.Inputs).Name);
            Assert.Equal("../comments.csv", spec.Data.File);
            Assert.Equal(LlmProvider.Offline, spec.Llm.Provider);
            var dataset = SpecData.LoadDataset(spec);
            Assert.Equal(40, dataset.Splits.Sum(s => s.Count));

            Assert.Equal(1, Cli.Program.Main(["init", project, "--data", data, "--classes", "ham,spam"]));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
