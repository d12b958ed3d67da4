using System.Globalization;

namespace Alchemist.Spec;

/// <summary>
/// How the data files' gold labels (<see cref="DataSpec.Classes"/>) become the spec's classes after the classes changed:
/// each data label goes to the one class that names it in <see cref="ClassSpec.DataLabels"/> (or has its name), or to no
/// class, and its rows then have no gold.
/// </summary>
public sealed class ClassMapping
{
    private ClassMapping(IReadOnlyList<string> dataClasses, int[] dataToSpec)
    {
        DataClasses = dataClasses;
        DataToSpec = dataToSpec;
    }

    /// <summary>The data's label names in their index order.</summary>
    public IReadOnlyList<string> DataClasses { get; }

    /// <summary>For data label d, the spec class its rows are gold for, or -1 for none.</summary>
    public IReadOnlyList<int> DataToSpec { get; }

    /// <summary>True when data label k is spec class k for every k: only names differ, so nothing read changes.</summary>
    public bool KeepsIndices(int specClasses) =>
        DataToSpec.Count == specClasses && DataToSpec.Select((s, d) => s == d).All(same => same);

    /// <summary>A stable text of the index mapping (names left out: a rename changes no label), for cache keys.</summary>
    public string Fingerprint() => string.Join(',', DataToSpec.Select(s => s.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The mapping of <paramref name="spec"/>; null when the data label rows with the spec's own classes.</summary>
    /// <exception cref="SpecException">A data label is named twice, or by no entry of data.classes.</exception>
    public static ClassMapping? Of(TaskSpec spec)
    {
        if (spec.Data.Classes is not { } dataClasses)
        {
            var stray = spec.Classes.Select((c, k) => (c, k)).FirstOrDefault(p => p.c.DataLabels is not null);
            if (stray.c is not null)
            {
                throw spec.Error($"classes[{stray.k}].data_labels", "data_labels names labels of data.classes, which the spec does not list; add data.classes (the classes as the data files label them)");
            }

            return null;
        }

        if (dataClasses.Count is < 1 or > sbyte.MaxValue)
        {
            throw spec.Error("data.classes", $"lists {dataClasses.Count} classes; the data's labels need 1 to {sbyte.MaxValue}");
        }

        var twice = dataClasses.GroupBy(c => c, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw spec.Error("data.classes", $"'{twice.Key}' is listed twice");
        }

        var dataToSpec = Enumerable.Repeat(-1, dataClasses.Count).ToArray();
        for (var k = 0; k < spec.Classes.Count; k++)
        {
            var named = spec.Classes[k].DataLabels;
            var labels = named ?? dataClasses.Where(d => string.Equals(d, spec.Classes[k].Name, StringComparison.OrdinalIgnoreCase)).ToArray();
            foreach (var label in labels)
            {
                var d = IndexOf(dataClasses, label);
                if (d < 0)
                {
                    throw spec.Error($"classes[{k}].data_labels", $"'{label}' is not a label of the data; data.classes lists {string.Join(", ", dataClasses)}");
                }

                if (dataToSpec[d] >= 0)
                {
                    throw spec.Error($"classes[{k}].data_labels", $"the data label '{dataClasses[d]}' already belongs to class '{spec.Classes[dataToSpec[d]].Name}'; a data label is gold for one class");
                }

                dataToSpec[d] = k;
            }
        }

        return new ClassMapping(dataClasses, dataToSpec);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
