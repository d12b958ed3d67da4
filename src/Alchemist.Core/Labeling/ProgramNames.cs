using System.Globalization;

namespace Alchemist.Labeling;

/// <summary>
/// Program names made from class and field names: lower-case ASCII slugs, short enough that a program name stays well
/// under the 100 characters it may have, and distinct per class. Every writer of programs (the offline synthesizer, the
/// threshold synthesizer, LLM follow-ups) names them through here.
/// </summary>
public static class ProgramNames
{
    /// <summary>Longest slug of one name in a program name, so that names stay well under the 100 characters a program name may have.</summary>
    public const int MaxSlugLength = 40;

    /// <summary>The name's <see cref="Slug"/>, cut to <see cref="MaxSlugLength"/> characters.</summary>
    public static string ShortSlug(string name)
    {
        var slug = Slug(name);
        return slug.Length <= MaxSlugLength ? slug : slug[..MaxSlugLength].TrimEnd('-');
    }

    internal static string Slug(string name)
    {
        var chars = name.ToLowerInvariant().Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-').ToArray();
        var slug = string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length == 0 ? "class" : slug;
    }

    /// <summary>
    /// Each class's <see cref="ShortSlug"/> for program names, numbered from -2 on where two classes slug alike
    /// ("+" and "-", or "Pos" and "pos"), so that no two classes' programs share a file name.
    /// </summary>
    public static string[] ClassSlugs(IReadOnlyList<string> classNames)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var slugs = new string[classNames.Count];
        for (var c = 0; c < slugs.Length; c++)
        {
            var stem = ShortSlug(classNames[c]);
            slugs[c] = stem;
            for (var k = 2; !taken.Add(slugs[c]); k++)
            {
                slugs[c] = string.Create(CultureInfo.InvariantCulture, $"{stem}-{k}");
            }
        }

        return slugs;
    }
}
