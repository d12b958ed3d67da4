using Alchemist.EndModel;
using Xunit;

namespace Alchemist.EndModel.Tests;

public sealed class TextNgramsTests
{
    // Fitted on "Ab cd": character 4-grams of "\u0002ab cd\u0003" are slots 0-3 ("\u0002ab ", "ab c", "b cd", " cd\u0003"),
    // the words "ab" and "cd" slots 4 and 5, the pair (ab, cd) slot 6.
    private static readonly TextNgrams Fitted = TextNgrams.Fit(["Ab cd"], wordNgramLength: 2, charNgramLength: 4);

    [Fact]
    public void Counts_each_block_and_scales_it_to_unit_length()
    {
        Assert.Equal(7, Fitted.Slots);
        var features = Features(Fitted, "ab cd ab");

        // Characters: "\u0002ab ", "ab c" and "b cd" once each (the other four 4-grams were never seen): 1/sqrt(3) each.
        // Words: ab twice, cd once, (ab, cd) once, (cd, ab) unseen: counts 2, 1, 1 over sqrt(6).
        var third = 1 / Math.Sqrt(3);
        var sixth = 1 / Math.Sqrt(6);
        Assert.Equal([0, 1, 2, 4, 5, 6], features.Select(f => f.Slot));
        Assert.Equal([third, third, third, 2 * sixth, sixth, sixth], features.Select(f => (double)f.Value), new Tolerance(1e-6));
    }

    [Fact]
    public void Folds_case_and_diacritics_and_an_unknown_word_breaks_the_pairs_across_it()
    {
        var fitted = TextNgrams.Fit(["Éte cd"], wordNgramLength: 2, charNgramLength: 4);
        Assert.Equal(Features(fitted, "ete cd"), Features(fitted, "ÉTE CD"));
        Assert.Equal(Features(fitted, "e\u0301te cd"), Features(fitted, "ete cd"));

        // "ab zz cd": ab and cd count, the pair (ab, cd) does not, since zz stands between them.
        var words = Features(Fitted, "ab zz cd").Where(f => f.Slot >= 4).Select(f => f.Slot);
        Assert.Equal([4, 5], words);
    }

    [Fact]
    public void A_written_vocabulary_reads_back_to_the_same_features()
    {
        var fitted = TextNgrams.Fit(["the cat sat", "a dog sat on the mat", "Ünïcode wörds"], wordNgramLength: 2, charNgramLength: 4);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            fitted.Write(writer);
        }

        stream.Position = 0;
        var read = TextNgrams.Read(new BinaryReader(stream));
        Assert.Equal(fitted.Slots, read.Slots);
        foreach (var text in new[] { "the dog sat", "unicode words on the mat", "" })
        {
            Assert.Equal(Features(fitted, text), Features(read, text));
        }
    }

    private static List<(int Slot, float Value)> Features(TextNgrams ngrams, string text)
    {
        var workspace = new TextNgrams.Workspace();
        var count = ngrams.Featurize(text, workspace, sorted: true);
        return [.. Enumerable.Range(0, count).Select(k => (workspace.Slots[k], workspace.Values[k]))];
    }

    private sealed class Tolerance(double epsilon) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon;

        public int GetHashCode(double value) => 0;
    }
}
