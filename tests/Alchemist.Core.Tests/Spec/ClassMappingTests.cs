using Alchemist.Data;
using Alchemist.Spec;
using Xunit;

namespace Alchemist.Core.Tests.Spec;

/// <summary>Classes changed after the data were labeled: the gold labels keep their meaning through data.classes and data_labels.</summary>
public sealed class ClassMappingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("alchemist-class-mapping-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private TaskSpec Write(string classes, string dataClasses)
    {
        File.WriteAllText(Path.Combine(_folder, "train.csv"), "text,label\na,HAM\nb,SPAM\nc,ADS\nd,HAM\n");
        File.WriteAllText(Path.Combine(_folder, "valid.csv"), "text,label\ne,ADS\nf,HAM\ng,SPAM\nh,OTHER\n");
        File.WriteAllText(Path.Combine(_folder, "alchemist.yaml"), $"""
            name: t
            description: d
            inputs: [{"{"}name: text, type: text{"}"}]
            classes:
            {classes}
            data:
              format: csv
              train: train.csv
              valid: valid.csv
              label_field: label
              classes: {dataClasses}
            """);
        return SpecReader.Load(_folder);
    }

    [Fact]
    public void Each_data_label_goes_to_the_class_that_names_it_and_a_label_no_class_takes_leaves_its_row_without_gold()
    {
        var spec = Write("- name: HAM\n- name: PROMO\n  data_labels: [SPAM, ADS]", "[HAM, SPAM, ADS, OTHER]");

        var mapping = ClassMapping.Of(spec)!;
        Assert.Equal([0, 1, 1, -1], mapping.DataToSpec);
        var dataset = SpecData.LoadDataset(spec);
        Assert.Equal(["HAM", "PROMO"], dataset.ClassNames);
        Assert.Equal([0, 1, 1, 0], dataset.Train.Rows.Labels);
        Assert.Equal([1, 0, 1, DataBatch.NoLabel], dataset.Valid!.Rows.Labels);

        // The spec writes back as it was read.
        var again = SpecReader.Parse(SpecWriter.ToYaml(spec), "alchemist.yaml", _folder);
        Assert.Equal(spec.Data.Classes, again.Data.Classes);
        Assert.Equal(spec.Classes.Select(c => c.DataLabels), again.Classes.Select(c => c.DataLabels));
    }

    [Fact]
    public void A_rename_alone_keeps_the_rows_cache_key()
    {
        var plain = Write("- name: HAM\n- name: SPAM", "[HAM, SPAM, ADS, OTHER]");
        var renamed = Write("- name: HAM\n- name: JUNK\n  data_labels: [SPAM]", "[HAM, SPAM, ADS, OTHER]");

        Assert.Equal(SpecData.OpenSources(plain).Train.ContentHash(), SpecData.OpenSources(renamed).Train.ContentHash());
        var merged = Write("- name: HAM\n- name: JUNK\n  data_labels: [SPAM, ADS]", "[HAM, SPAM, ADS, OTHER]");
        Assert.NotEqual(SpecData.OpenSources(plain).Train.ContentHash(), SpecData.OpenSources(merged).Train.ContentHash());
    }

    [Fact]
    public void A_class_name_with_a_line_break_is_refused_with_its_key()
    {
        var error = Assert.Throws<SpecException>(() => Write("- name: HAM\n- name: \"SPAM\\npublic static int Label(string t) => 1;\"", "[HAM, SPAM]"));

        Assert.Contains("classes[1]", error.Message, StringComparison.Ordinal);
        Assert.Contains("a class name may not hold a line break or another control character", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_data_label_that_is_not_in_the_data_or_is_taken_twice_is_named_with_its_key()
    {
        var missing = Assert.Throws<SpecException>(() => Write("- name: HAM\n- name: PROMO\n  data_labels: [PROMOS]", "[HAM, SPAM]"));
        Assert.Contains("classes[1].data_labels", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'PROMOS' is not a label of the data; data.classes lists HAM, SPAM", missing.Message, StringComparison.Ordinal);

        var twice = Assert.Throws<SpecException>(() => Write("- name: HAM\n  data_labels: [HAM, SPAM]\n- name: PROMO\n  data_labels: [SPAM]", "[HAM, SPAM]"));
        Assert.Contains("the data label 'SPAM' already belongs to class 'HAM'", twice.Message, StringComparison.Ordinal);
    }
}
