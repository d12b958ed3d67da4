using Alchemist.Data;
using Alchemist.Evaluation;
using Alchemist.Labeling;
using Alchemist.OfflineSynthesis;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>What the offline synthesizer reads of some rows: their text inputs joined (null without any) and one column per number input.</summary>
public sealed class OfflineInputs(string[]? texts, double[][] numbers, int rows, string[]? groups = null)
{
    private string[][]? _tokens;

    /// <summary>Each row's text inputs joined, as programs' rules read them; null without text inputs.</summary>
    public string[]? Texts { get; } = texts;

    /// <summary>One column per input of the threshold programs (<see cref="ConceptMargins.ThresholdInputs"/>).</summary>
    public double[][] Numbers { get; } = numbers;

    /// <summary>Number of rows.</summary>
    public int Rows { get; } = rows;

    /// <summary>Each row's group (<c>data.group_field</c>) where the spec ranks by worst-group accuracy; null otherwise.</summary>
    public string[]? Groups { get; } = groups;

    /// <summary>The texts' tokens, computed once: every fold of a cross-fit evaluates its rules on the same train rows.</summary>
    public string[][] Tokens => _tokens ??= Texts is null ? [] : [.. Texts.Select(RuleFeatures.Tokenize)];

    /// <summary>The inputs of a split as the spec names them.</summary>
    public static OfflineInputs Of(TaskSpec spec, DataSplit split) => new(
        spec.ProgramInputs.Any(i => i.Type == InputType.Text) ? RowText.Of(spec, split) : null,
        [.. ConceptMargins.ThresholdInputs(spec).Select(i => i.Column(split.Rows))],
        split.Count,
        spec.Evaluation.Metric == EvaluationMetric.WorstGroup && SpecData.Groups(spec, split.Rows) is { } groups ? [.. groups] : null);

    /// <summary>The given rows only, in the given order.</summary>
    public OfflineInputs Select(IReadOnlyList<int> rows) =>
        new(Texts is null ? null : [.. rows.Select(r => Texts[r])], [.. Numbers.Select(column => rows.Select(r => column[r]).ToArray())], rows.Count, Groups is null ? null : [.. rows.Select(r => Groups[r])]);
}

/// <summary>
/// The programs the offline synthesizer writes from labeled rows: rules over the text inputs (<see cref="OfflineSynthesizer"/>)
/// and threshold programs over the number inputs (<see cref="ThresholdSynthesizer"/>), with their votes evaluated in process
/// exactly as the written programs vote.
/// </summary>
public sealed class OfflineRules
{
    private readonly IReadOnlyList<OfflineProgram> _textPrograms;
    private readonly IReadOnlyList<ThresholdProgram> _thresholdPrograms;
    private readonly int _classes;

    private OfflineRules(IReadOnlyList<OfflineProgram> textPrograms, IReadOnlyList<ThresholdProgram> thresholdPrograms, int classes, IReadOnlyList<UncoveredClass> uncovered)
    {
        UncoveredClasses = uncovered;
        _textPrograms = textPrograms;
        _thresholdPrograms = thresholdPrograms;
        _classes = classes;
    }

    /// <summary>Classes with enough labeled rows that no program votes for, each with the reason.</summary>
    public IReadOnlyList<UncoveredClass> UncoveredClasses { get; }

    /// <summary>The programs as file name and C# source, threshold programs first (the order their votes come in).</summary>
    public IReadOnlyList<(string Name, string Source)> Programs =>
        [.. _thresholdPrograms.Select(p => (p.Name, p.Source)), .. _textPrograms.Select(p => (p.Name, p.Source))];

    /// <summary>Learns rule and threshold programs from labeled rows.</summary>
    /// <param name="shape">What the programs look like for this task.</param>
    /// <param name="sample">The labeled rows, with their classes in <paramref name="labels"/>.</param>
    /// <param name="labels">Each row's class index.</param>
    public static OfflineRules Learn(OfflineShape shape, OfflineInputs sample, IReadOnlyList<int> labels)
    {
        var text = shape.HasText && sample.Texts is { } texts
            ? OfflineSynthesizer.SynthesizeWithChoice(texts, labels, shape.ClassNames, shape.TextOptions)
            : null;
        // A class the text rules vote for needs no threshold program of its own; one they left out may still get one.
        var numbers = shape.NumberInputs.Count > 0
            ? ThresholdSynthesizer.Synthesize(sample.Numbers, shape.NumberInputs, labels, shape.ClassNames, shape.NumberMembers, groups: sample.Groups,
                coveredElsewhere: text is null ? null : text.Programs.Select(p => p.Class).ToHashSet())
            : null;
        var thresholds = numbers?.Programs ?? [];
        IEnumerable<UncoveredClass> uncovered = (text, numbers) switch
        {
            (null, null) => [],
            ({ } t, null) => t.UncoveredClasses,
            (null, { } n) => n.UncoveredClasses,
            ({ } t, { } n) => t.UncoveredClasses
                .Where(u => !thresholds.Any(p => p.Rule.Class == u.Class))
                .Select(u => n.UncoveredClasses.FirstOrDefault(m => m.Class == u.Class) is { } m ? u with { Reason = $"{u.Reason}; over the number inputs, {m.Reason}" } : u),
        };
        return new OfflineRules(text?.Programs ?? [], thresholds, shape.ClassNames.Count, [.. uncovered]);
    }

    /// <summary>The programs' votes on <paramref name="inputs"/>, one column per program in <see cref="Programs"/>' order.</summary>
    public LabelMatrix Votes(OfflineInputs inputs)
    {
        var votes = ThresholdSynthesizer.Votes(_thresholdPrograms, inputs.Numbers, inputs.Rows, _classes);
        return _textPrograms.Count == 0 || inputs.Texts is null ? votes : OfflineVotes.Append(votes, inputs.Texts, inputs.Tokens, _textPrograms);
    }
}
