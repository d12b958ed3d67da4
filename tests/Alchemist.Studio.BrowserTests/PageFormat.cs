using System.Globalization;

namespace Alchemist.Studio.BrowserTests;

/// <summary>How the page writes figures, in C#: what a test expects to read there.</summary>
public static class PageFormat
{
    /// <summary>
    /// A fraction as the page writes it, JavaScript's <c>toFixed(3)</c>: the double's exact value rounded to three places,
    /// a tie going up (0.8125 is "0.813", where .NET's "F3" gives "0.812"); null is "-".
    /// </summary>
    public static string Fraction(double? value)
    {
        if (value is not { } v)
        {
            return "-";
        }

        // "F40" gives the double's exact digits that far; four places, truncated, decide the rounding at three.
        var exact = v.ToString("F40", CultureInfo.InvariantCulture);
        var four = decimal.Parse(exact[..(exact.IndexOf('.', StringComparison.Ordinal) + 5)], CultureInfo.InvariantCulture);
        return Math.Round(four, 3, MidpointRounding.AwayFromZero).ToString("F3", CultureInfo.InvariantCulture);
    }

    /// <summary>A count as the page writes it; null is "-".</summary>
    public static string Count(long? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "-";

    /// <summary>A program's row of the table, cell by cell, in the page's column order.</summary>
    public static string[] Row(ProgramRow p) =>
        [p.Name, p.Author, string.Join(", ", p.Classes), Fraction(p.Coverage), Fraction(p.Overlaps), Fraction(p.Conflicts),
            Count(p.ValidRight), Count(p.ValidWrong), Fraction(p.ValidAccuracy), Fraction(p.EstimatedAccuracy), p.State];
}
