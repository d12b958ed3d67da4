using Alchemist.Spec;
using Alchemist.Tests;
using Xunit;

namespace Alchemist.Cli.Tests;

/// <summary>`alchemist classes` on a copy of the example (spec and data, no programs yet).</summary>
[Collection(nameof(ConsoleCapture))]
public sealed class ClassesCommandTests : IDisposable
{
    private readonly string _project = ExampleProject.CopyTo(Path.Combine(Path.GetTempPath(), "alchemist-classes-cli-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => Directory.Delete(_project, recursive: true);

    [Fact]
    public void Rename_add_and_list_change_the_spec_and_say_what_changed_and_a_wrong_name_exits_1_naming_the_classes()
    {
        var rename = CliBadInputTests.Invoke("classes", "rename", _project, "SPAM", "PROMO");
        Assert.Equal(0, rename.Code);
        Assert.StartsWith("classes: HAM, SPAM -> HAM, PROMO", rename.Output, StringComparison.Ordinal);

        var add = CliBadInputTests.Invoke("classes", "add", _project, "MUSIC", "--description", "About the song");
        Assert.Equal(0, add.Code);
        Assert.Contains("warning: no program votes MUSIC; write one (alchemist studio), or label valid rows MUSIC so the offline synthesizer can learn from them", add.Error, StringComparison.Ordinal);

        var list = CliBadInputTests.Invoke("classes", "list", _project);
        Assert.Equal(
            ["  0  HAM                      gold: HAM", "  1  PROMO                    gold: SPAM", "  2  MUSIC                    gold: (no data label yet)  - About the song"],
            list.Output.TrimEnd('\n').Split('\n'));
        var spec = SpecReader.Load(_project);
        Assert.Equal(["HAM", "PROMO", "MUSIC"], spec.ClassNames);
        Assert.Equal(["HAM", "SPAM"], spec.Data.Classes);

        var wrong = CliBadInputTests.Invoke("classes", "remove", _project, "SPAM");
        Assert.Equal(1, wrong.Code);
        Assert.Contains("there is no class 'SPAM'; the classes are HAM, PROMO, MUSIC", wrong.Error, StringComparison.Ordinal);
    }
}
