using System.Text;
using System.Text.RegularExpressions;
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
    /// Reads concepts from a reply: lines such as <c>- webbed_feet: webbed feet</c> (bullets, numbers, backticks and bold
    /// marks allowed); a name is lower-cased with other characters as underscores; repeats and lines past
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
            if (name.Length == 0 || !char.IsAsciiLetter(name[0]) || name.Length > 64 || description.Length == 0 || concepts.Any(c => c.Name == name))
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
        var concepts = Parse(reply.Text, count);
        if (concepts.Count == 0)
        {
            throw new SynthesisException($"the LLM's reply to the concepts prompt named no concept as '- name: description' lines; it began: {reply.Text[..Math.Min(200, reply.Text.Length)]}");
        }

        var updated = spec with { Extractor = spec.Extractor! with { Concepts = concepts } };
        SpecWriter.Save(updated, spec.SpecFile ?? Path.Combine(spec.ProjectDirectory, TaskSpec.FileName));
        log?.Invoke($"concepts: the LLM named {concepts.Count} ({string.Join(", ", concepts.Select(c => c.Name))}), written into extractor.concepts of {TaskSpec.FileName}, where you can edit them");
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

    [GeneratedRegex(@"^(?:[-*+•]|\d+[.)])?\s*[`*]*(?<name>[A-Za-z][A-Za-z0-9 _-]{0,63}?)[`*]*\s*[:–—]\s*(?<description>.+)$")]
    private static partial Regex ConceptLine();

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex Underscores();
}
