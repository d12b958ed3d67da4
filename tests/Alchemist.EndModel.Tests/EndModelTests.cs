using Xunit;

namespace Alchemist.EndModel.Tests;

public sealed class EndModelTests
{
    [Fact]
    public void Soft_labels_weigh_each_class_by_its_probability_and_survive_save_and_load()
    {
        var texts = new List<string>();
        var targets = new List<float>();
        for (var i = 0; i < 40; i++)
        {
            // "alpha" rows lean to class 2 (0.8) and "beta" rows to class 0 (0.7): the soft weights, not a hard label, decide.
            texts.Add($"alpha token {i}");
            targets.AddRange([0.1f, 0.1f, 0.8f]);
            texts.Add($"beta token {i}");
            targets.AddRange([0.7f, 0.3f, 0f]);
        }

        var model = EndModel.TrainOnText(texts, targets.ToArray(), 3);
        var before = model.PredictText(["alpha token 99", "beta token 99"]);
        Assert.True(before[2] > before[0] && before[2] > before[1], string.Join(", ", before));
        Assert.True(before[3] > before[4] && before[3] > before[5], string.Join(", ", before));

        var folder = Path.Combine(Path.GetTempPath(), "alchemist-endmodel-" + Guid.NewGuid().ToString("N"));
        try
        {
            model.Save(folder);
            var loaded = EndModel.Load(folder);
            Assert.Equal(3, loaded.Classes);
            var after = loaded.PredictText(["alpha token 99", "beta token 99"]);
            for (var k = 0; k < before.Length; k++)
            {
                Assert.Equal(before[k], after[k], 4);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Numeric_features_are_used_directly()
    {
        var features = new float[200][];
        var targets = new float[200 * 2];
        for (var i = 0; i < features.Length; i++)
        {
            var x = (i % 20) - 10f;
            features[i] = [x, 1f];
            targets[(i * 2) + (x > 0 ? 1 : 0)] = 1f;
        }

        var model = EndModel.TrainOnFeatures(features, targets, 2);
        var p = model.PredictFeatures([[8f, 1f], [-8f, 1f]]);
        Assert.True(p[1] > 0.5f && p[2] > 0.5f, string.Join(", ", p));
    }

    [Fact]
    public void Missing_or_infinite_numeric_values_take_their_features_mean_instead_of_making_every_prediction_nan()
    {
        var features = new float[200][];
        var targets = new float[200 * 2];
        for (var i = 0; i < features.Length; i++)
        {
            var x = (i % 20) - 10f;
            features[i] = [i % 7 == 0 ? float.NaN : i % 11 == 0 ? float.PositiveInfinity : x, i % 5 == 0 ? float.NaN : 1f];
            targets[(i * 2) + (x > 0 ? 1 : 0)] = 1f;
        }

        var model = EndModel.TrainOnFeatures(features, targets, 2);
        var p = model.PredictFeatures([[8f, 1f], [-8f, float.NaN], [float.NaN, 1f], [float.NegativeInfinity, 1f]]);
        Assert.All(p, v => Assert.True(float.IsFinite(v), string.Join(", ", p)));
        Assert.True(p[1] > 0.5f && p[2] > 0.5f, string.Join(", ", p));
    }

    [Fact]
    public void Text_and_numeric_features_are_read_together_and_survive_save_and_load()
    {
        // Half the rows tell their class by words only, the other half by a score only: neither input alone labels every row.
        var texts = new List<string>();
        var features = new List<float[]>();
        var targets = new List<float>();
        for (var i = 0; i < 200; i++)
        {
            var cls = i % 2;
            var byWords = i % 4 < 2;
            texts.Add(byWords ? (cls == 1 ? $"buy cheap pills now {i}" : $"what a lovely song {i}") : $"hello there {i}");
            features.Add([byWords ? 0f : (cls == 1 ? 5f : -5f)]);
            targets.AddRange(cls == 1 ? [0f, 1f] : [1f, 0f]);
        }

        var model = EndModel.TrainOnTextAndFeatures(texts, [.. features], targets.ToArray(), 2);
        string[] probeTexts = ["hello there 999", "hello there 998", "buy cheap pills now 997", "what a lovely song 996"];
        float[][] probeFeatures = [[5f], [-5f], [0f], [0f]];
        var before = model.PredictTextAndFeatures(probeTexts, probeFeatures);
        int[] expected = [1, 0, 1, 0];
        for (var r = 0; r < expected.Length; r++)
        {
            Assert.True(before[(r * 2) + expected[r]] > 0.5f, $"probe {r}: {string.Join(", ", before)}");
        }

        var folder = Path.Combine(Path.GetTempPath(), "alchemist-endmodel-" + Guid.NewGuid().ToString("N"));
        try
        {
            model.Save(folder);
            var loaded = EndModel.Load(folder);
            Assert.Equal(EndModelInput.TextAndFeatures, loaded.Info.Input);
            Assert.Equal(1, loaded.Info.Dimensions);
            Assert.Equal(before, loaded.PredictTextAndFeatures(probeTexts, probeFeatures));
            Assert.Throws<InvalidOperationException>(() => loaded.PredictText(probeTexts));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Loading_from_a_folder_without_a_model_names_the_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "alchemist-no-model-" + Guid.NewGuid().ToString("N"));
        var error = Assert.Throws<FileNotFoundException>(() => EndModel.Load(folder));
        Assert.Contains(folder, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_saved_by_an_earlier_version_is_named_as_such_and_not_reused()
    {
        var folder = Path.Combine(Path.GetTempPath(), "alchemist-old-model-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "endmodel.zip"), "an ML.NET pipeline");
            File.WriteAllText(Path.Combine(folder, "endmodel.json"), "{}");
            var error = Assert.Throws<InvalidDataException>(() => EndModel.Load(folder));
            Assert.Contains("saved by an earlier version", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("endmodel.zip", EndModel.SavedFiles);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
