using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Alchemist.Spec;

/// <summary>
/// One YAML mapping being read into a spec: typed getters that report the key's dotted path and line on any problem, and a
/// final check that rejects keys nobody read (with the closest known key as a suggestion).
/// </summary>
internal sealed class YamlMap
{
    private readonly string _file;
    private readonly string _path;
    private readonly YamlMappingNode _node;
    private readonly Dictionary<string, (YamlNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lines;

    /// <param name="file">The spec file, for messages.</param>
    /// <param name="path">The map's dotted path in the document (empty at the top), which qualifies its keys in messages.</param>
    /// <param name="node">The YAML mapping read.</param>
    /// <param name="lines">Collects the line of every key read, by dotted path; shared by a document's maps.</param>
    public YamlMap(string file, string path, YamlMappingNode node, Dictionary<string, long> lines)
    {
        _file = file;
        _lines = lines;
        _path = path;
        _node = node;
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                throw new SpecException(file, key.Start.Line, path.Length == 0 ? null : path, "keys must be plain names");
            }

            if (!_entries.TryAdd(name, (key, value)))
            {
                throw new SpecException(file, key.Start.Line, Qualify(name), "key appears twice");
            }
        }
    }

    public string File => _file;

    public long Line => _node.Start.Line;

    public string Qualify(string key) => _path.Length == 0 ? key : $"{_path}.{key}";

    public Dictionary<string, long> Lines => _lines;

    public bool Has(string key)
    {
        _known.Add(key);
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        _lines[Qualify(key)] = entry.Key.Start.Line;
        return !IsNull(entry.Value);
    }

    public long LineOf(string key) => _entries.TryGetValue(key, out var entry) ? entry.Key.Start.Line : _node.Start.Line;

    public SpecException Error(string key, string problem) => new(_file, LineOf(key), Qualify(key), problem);

    public string RequiredString(string key) => OptionalString(key) ?? throw Missing(key);

    /// <summary>
    /// The error for a required key that is absent: a near-miss spelling of it is reported as that unknown key with a
    /// suggestion (the likelier mistake), otherwise the missing key at the line of its section.
    /// </summary>
    public SpecException Missing(string key, string? hint = null)
    {
        _known.Add(key);
        foreach (var (name, (keyNode, _)) in _entries)
        {
            if (!_known.Contains(name) && Distance(name, key) <= Math.Max(2, key.Length / 3))
            {
                return new SpecException(_file, keyNode.Start.Line, Qualify(name), $"unknown key; did you mean '{key}'?");
            }
        }

        var under = _path.Length == 0 ? string.Empty : $" under '{_path}'";
        return new SpecException(_file, _node.Start.Line, Qualify(key), $"required key is missing{under}{(hint is null ? string.Empty : ": " + hint)}");
    }

    public string? OptionalString(string key)
    {
        if (!Has(key))
        {
            return null;
        }

        var value = _entries[key].Value;
        if (value is not YamlScalarNode scalar)
        {
            throw Error(key, $"expected a single value, found a {Describe(value)}");
        }

        var text = scalar.Value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            throw Error(key, "must not be empty");
        }

        return text;
    }

    public int? OptionalInt(string key, int min, int max) => (int?)OptionalLong(key, min, max);

    public long? OptionalLong(string key, long min, long max)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        var cleaned = text.Replace("_", string.Empty, StringComparison.Ordinal);
        if (!long.TryParse(cleaned, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(key, $"'{text}' is not a whole number");
        }

        return value < min || value > max ? throw Error(key, $"{value} is out of range ({min} to {max})") : value;
    }

    public double? OptionalDouble(string key, double min, double max)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw Error(key, $"'{text}' is not a number");
        }

        return value < min || value > max ? throw Error(key, $"{value} is out of range ({min} to {max})") : value;
    }

    public decimal? OptionalDecimal(string key, decimal min)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        if (!decimal.TryParse(text.TrimStart('$'), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(key, $"'{text}' is not a number");
        }

        return value < min ? throw Error(key, $"{value} must be at least {min}") : value;
    }

    public bool? OptionalBool(string key)
    {
        var text = OptionalString(key);
        return text?.ToLowerInvariant() switch
        {
            null => null,
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(key, $"'{text}' is not true or false"),
        };
    }

    /// <summary>A value from a fixed set; <paramref name="choices"/> maps the spelling in YAML to the value.</summary>
    public T? OptionalChoice<T>(string key, IReadOnlyDictionary<string, T> choices)
        where T : struct
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        return choices.TryGetValue(text.ToLowerInvariant(), out var value)
            ? value
            : throw Error(key, $"'{text}' is not one of {string.Join(", ", choices.Keys)}");
    }

    /// <summary>A word from a fixed set, lower-cased.</summary>
    public string? OptionalWord(string key, IEnumerable<string> allowed)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        var word = text.ToLowerInvariant();
        return allowed.Contains(word) ? word : throw Error(key, $"'{text}' is not one of {string.Join(", ", allowed)}");
    }

    public YamlMap? OptionalMap(string key)
    {
        if (!Has(key))
        {
            return null;
        }

        var value = _entries[key].Value;
        return value is YamlMappingNode mapping
            ? new YamlMap(_file, Qualify(key), mapping, _lines)
            : throw Error(key, $"expected a mapping of keys, found a {Describe(value)}");
    }

    public YamlMap RequiredMap(string key) => OptionalMap(key) ?? throw Missing(key);

    /// <summary>The items of a sequence; a single scalar counts as a one-item list.</summary>
    public IReadOnlyList<YamlNode>? OptionalList(string key)
    {
        if (!Has(key))
        {
            return null;
        }

        return _entries[key].Value switch
        {
            YamlSequenceNode sequence => sequence.Children.ToList(),
            YamlScalarNode scalar => [scalar],
            var other => throw Error(key, $"expected a list, found a {Describe(other)}"),
        };
    }

    /// <summary>The entries of a mapping whose keys are free names (model names, stage names).</summary>
    public IReadOnlyList<(string Name, YamlNode Value, long Line)> Entries() =>
        _entries.Select(e => (e.Key, e.Value.Value, e.Value.Key.Start.Line)).ToList();

    /// <summary>Marks a key as read without reading it (e.g. a key whose only purpose is to be rejected with a message).</summary>
    public void Known(string key) => _known.Add(key);

    /// <summary>Rejects keys that no getter asked for, naming the closest known key.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var (name, (key, _)) in _entries)
        {
            if (_known.Contains(name))
            {
                continue;
            }

            var suggestion = _known.OrderBy(k => Distance(k, name)).FirstOrDefault();
            var hint = suggestion is not null && Distance(suggestion, name) <= Math.Max(2, name.Length / 3)
                ? $"; did you mean '{suggestion}'?"
                : string.Empty;
            throw new SpecException(_file, key.Start.Line, Qualify(name), $"unknown key{hint} Keys here are {string.Join(", ", _known.Order(StringComparer.Ordinal))}");
        }
    }

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "value",
    };

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.SingleQuoted and not YamlDotNet.Core.ScalarStyle.DoubleQuoted } scalar
        && (scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
