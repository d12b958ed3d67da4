using System.Text;
using System.Text.RegularExpressions;
using Alchemist.Programs;
using Alchemist.Spec;
using Alchemist.Synthesis.Llm;

namespace Alchemist.Synthesis.Engine;

/// <summary>
/// The LLM cannot see pixels, so for an image input it names the visual concepts that tell the classes apart (webbed feet,
/// a red skin), which a CLIP-style extractor can score every image against: one call through the project's gateway
/// (cache, spending cap, ledger, exchange and replay as for programs), whose reply is read as one concept a line. The
/// concepts are written into the spec (<c>extractor.concepts</c>), where a person reads and edits them.
/// </summary>
public static partial class ConceptSynthesis
{
    /// <summary>Concepts asked for when the caller does not say.</summary>
    public const int DefaultConcepts = 8;

    /// <summary>The call's purpose, named in the ledger and in exchange file names.</summary>
    public const string Purpose = "concepts";

    /// <summary>The request that asks for up to <paramref name="count"/> concepts for the spec's image input.</summary>
    public static LlmRequest Request(TaskSpec spec, int count = DefaultConcepts)
    {
        var settings = Settings(spec);
        var image = spec.ImageInput ?? throw new InvalidOperationException("the spec has no image input");
        var classes = new StringBuilder();
        foreach (var c in spec.Classes)
        {
            classes.Append("- ").Append(c.Name).Append(c.Description is { } d ? ": " + d : string.Empty).Append('\n');
        }

        var system = "You help build labeling programs for images. A vision-language model (CLIP) will score every image against short "
            + "visual concepts, and programs will read those scores; you cannot see the images, so you name what to look for.";
        var user = $"""
            Task: {spec.Name}
            {spec.Description}

            Each row is an image ({image.Name}{(image.Description is { } description ? ": " + description : string.Empty)}).
            Classes:
            {classes}
            Name up to {count} visual concepts that CLIP can see in such an image and that tell these classes apart: colours,
            shapes, parts, textures, settings. Prefer concepts that belong to the thing being classified over the background or
            the setting, which may go with a class by chance in the data. Answer with one concept a line, nothing else:

            - concept_name: what CLIP should look for, in a few words

            concept_name is lower-case letters, digits and underscores (such as webbed_feet); the words after the colon are what
            CLIP reads (such as "webbed feet").
            """;
        return new LlmRequest(
            settings.Endpoint.Provider,
            settings.KnowledgeModel,
            [LlmMessage.System(system), LlmMessage.User(user)],
            settings.Temperature,
            Math.Min(settings.MaxTokens, 800),
            0,
            Purpose);
    }

    /// <summary>
    /// Reads concepts from a reply: list lines such as <c>- webbed_feet: webbed feet</c> (a bullet or a number first, as the
    /// prompt asks; backticks and bold marks allowed), so that prose such as "Note: CLIP is weak on texture" is no concept;
    /// a name is lower-cased with other characters as underscores; a description holding control characters (which would
    /// reach the terminal and the spec file) or longer than <see cref="MaxDescription"/> characters, repeats, and lines past
    /// <paramref name="count"/> are dropped.
    /// </summary>
    public static IReadOnlyList<ConceptSpec> Parse(string reply, int count = DefaultConcepts)
    {
        var concepts = new List<ConceptSpec>();
        foreach (var raw in reply.Split('\n'))
        {
            var match = ConceptLine().Match(raw.Trim());
            if (!match.Success)
            {
                continue;
            }

            var name = Underscores().Replace(match.Groups["name"].Value.ToLowerInvariant(), "_").Trim('_');
            var description = match.Groups["description"].Value.Trim().Trim('"', '\'', '*', '`', '.').Trim();
            if (name.Length == 0 || !char.IsAsciiLetter(name[0]) || name.Length > 64 || description.Length is 0 or > MaxDescription
                || description.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029') || concepts.Any(c => c.Name == name))
            {
                continue;
            }

            concepts.Add(new ConceptSpec(name, description == name.Replace('_', ' ') ? null : description));
            if (concepts.Count == count)
            {
                break;
            }
        }

        return concepts;
    }

    /// <summary>
    /// Asks the spec's LLM for concepts, writes them into the spec file (<c>extractor.concepts</c>) and returns the spec with
    /// them. A reply with no concept line is a <see cref="SynthesisException"/> that names the reply's start.
    /// </summary>
    public static async Task<TaskSpec> AskAsync(TaskSpec spec, Action<string>? log, CancellationToken cancellation, int count = DefaultConcepts)
    {
        var request = Request(spec, count);
        var gateway = SynthesisSession.OpenGateway(Settings(spec), log);
        var reply = await gateway.CompleteAsync(request, cancellation).ConfigureAwait(false);
        var named = Parse(reply.Text, count);
        // A concept whose score field an input already holds (or that programs would read as the same member) would make
        // the spec unreadable once written: left out, and said.
        var clashing = named.Where(c => ExtractorSpec.ClashingInput(spec, c) is not null).ToList();
        foreach (var concept in clashing)
        {
            log?.Invoke($"concepts: left out '{concept.Name}': its score field {ExtractorSpec.ScoreField(concept.Name)} would clash with the input '{ExtractorSpec.ClashingInput(spec, concept)!.Name}'");
        }

        var concepts = named.Except(clashing).ToList();
        if (concepts.Count == 0)
        {
            throw new SynthesisException($"the LLM's reply to the concepts prompt named no concept as '- name: description' lines{(clashing.Count > 0 ? " beside those clashing with inputs" : "")}; it began: {Bounded.Line(reply.Text, 200)}");
        }

        var updated = spec with { Extractor = spec.Extractor! with { Concepts = concepts } };
        var inPlace = SpecWriter.SaveConcepts(spec, spec.SpecFile ?? Path.Combine(spec.ProjectDirectory, TaskSpec.FileName), concepts);
        log?.Invoke($"concepts: the LLM named {concepts.Count} ({string.Join(", ", concepts.Select(c => c.Name))}), written into extractor.concepts of {TaskSpec.FileName}, where you can edit them" +
            (inPlace ? "" : $" (the file was written whole, its comments gone: its extractor section is not a block of lines to edit one by one)"));
        return updated;
    }

    /// <summary>
    /// The spec's synthesis settings; its score fields do not exist yet, so the signature is built over a stand-in concept
    /// (the concepts call sends no program signature).
    /// </summary>
    private static SynthesisSettings Settings(TaskSpec spec) =>
        SynthesisSettings.FromSpec(spec.Extractor is { Concepts.Count: 0 } extractor
            ? spec with { Extractor = extractor with { Concepts = [new ConceptSpec("concept")] } }
            : spec);

    [GeneratedRegex(@"^(?:[-*+•]|\d+[.)])\s*[`*]*(?<name>[A-Za-z][A-Za-z0-9 _-]{0,63}?)[`*]*\s*[:–—]\s*(?<description>.+)$")]
    private static partial Regex ConceptLine();

    /// <summary>Characters of a concept's description at most: CLIP's text encoder reads 77 tokens, and a prompt longer than that loses its end.</summary>
    private const int MaxDescription = 200;

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex Underscores();
}
