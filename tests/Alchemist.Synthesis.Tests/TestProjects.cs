using Alchemist.Spec;
using Alchemist.Tests;

namespace Alchemist.Synthesis.Tests;

/// <summary>Task specs over the shared WRENCH data sets, written into a temporary project folder as alchemist.yaml.</summary>
public static class TestProjects
{
    private static readonly Dictionary<string, (string Description, string[] Classes)> Tasks = new()
    {
        ["youtube"] = ("Decide whether a YouTube video comment is spam or ham (a genuine comment).",
        [
            "HAM: a genuine comment about the video",
            "SPAM: self-promotion, links, requests to subscribe, scams",
        ]),
        ["sms"] = ("Decide whether an SMS text message is spam or ham (a normal personal message).",
        [
            "ham: a normal personal message",
            "spam: advertising, prizes, premium-rate numbers, unsolicited offers",
        ]),
        ["trec"] = ("Decide what kind of answer an English question asks for.",
        [
            "DESC: description or reason: definitions, explanations, manner, reasons",
            "ENTY: an entity: animals, products, colours, events, substances, terms, and other things",
            "HUM: a human: a person, a group or organisation of people, a title, a description of a person",
            "ABBR: an abbreviation or what an abbreviation stands for",
            "LOC: a location: city, country, mountain, state, other places",
            "NUM: a number: count, date, distance, money, percentage, period, speed, temperature, size, weight",
        ]),
        ["finance"] = ("Decide the sentiment of a sentence from financial news, from an investor's point of view.",
        [
            "negative: bad news for the company or its investors",
            "neutral: neither good nor bad news",
            "positive: good news for the company or its investors",
        ]),
    };

    /// <summary>Writes alchemist.yaml for a shared data set into <paramref name="project"/> and loads it.</summary>
    public static TaskSpec Wrench(string project, string dataset, string synthesisYaml, string llmYaml)
    {
        var folder = SharedFolder.Dataset(dataset);
        var (description, classes) = Tasks[dataset];
        var yaml = $"""
            name: {dataset}
            description: "{description}"
            inputs:
              - name: text
            classes:
            {string.Join("\n", classes.Select(c => $"  - name: {c[..c.IndexOf(':')]}\n    description: \"{c[(c.IndexOf(':') + 2)..]}\""))}
            data:
              format: wrench
              train: {Path.Combine(folder, "train.json")}
              valid: {Path.Combine(folder, "valid.json")}
              test: {Path.Combine(folder, "test.json")}
            synthesis:
            {Indent(synthesisYaml)}
            llm:
            {Indent(llmYaml)}
            isolation:
              mode: none
            """;
        File.WriteAllText(Path.Combine(project, TaskSpec.FileName), yaml);
        return SpecReader.Load(project);
    }

    private static string Indent(string yaml) => string.Join("\n", yaml.Trim('\n').Split('\n').Select(l => "  " + l.TrimEnd()));
}
