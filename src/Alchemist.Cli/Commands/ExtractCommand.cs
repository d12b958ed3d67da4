using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Alchemist.Data;
using Alchemist.Features;
using Alchemist.Spec;
using Alchemist.Synthesis.Engine;

namespace Alchemist.Cli.Commands;

/// <summary>
/// <c>alchemist extract &lt;project&gt;</c>: scores every image of the project's data against every concept of its extractor
/// (what <c>run</c> does first when scores are missing), and names each image that could not be read.
/// </summary>
internal static class ExtractCommand
{
    public static Command Create()
    {
        var project = new Argument<DirectoryInfo>("project") { Description = "The project folder (with alchemist.yaml, an image input and an extractor)." };
        var force = new Option<bool>("--force") { Description = "Score every data file again, even where its scores are current (image embeddings still come from the cache)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary (per data file: images, encoded, cached, seconds, unreadable images) instead of lines." };
        var command = new Command("extract", "Score the project's images against its concepts with the extractor's model (CLIP-style), writing the NAME_score fields programs read; with no concepts in the spec and an LLM set, the LLM names them first.")
        {
            project,
            force,
            json,
        };
        command.SetAction((result, cancel) => RunAsync(result.GetValue(project)!, result.GetValue(force), result.GetValue(json), cancel));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo projectFolder, bool force, bool json, CancellationToken cancel)
    {
        var spec = SpecReader.Load(projectFolder.FullName);
        if (spec.ImageInput is null)
        {
            throw new UserError("this project has no input of type image; there is nothing to extract", spec.SpecFile);
        }

        using var projectLock = ProjectLock.Acquire(spec.ProjectDirectory);
        if (spec.Extractor!.Concepts.Count == 0 && spec.Llm.Provider != LlmProvider.Offline)
        {
            // The LLM names the concepts (through the project's cache, ledger and exchange) and they are written into the spec.
            spec = await ConceptSynthesis.AskAsync(spec, Console.Error.WriteLine, cancel).ConfigureAwait(false);
        }

        var result = ImageExtraction.Run(spec, json ? null : Console.Error.WriteLine, force, cancel);
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                concepts = spec.Extractor!.Concepts.Select(c => new { name = c.Name, field = ExtractorSpec.ScoreField(c.Name), prompt = spec.Extractor.PromptOf(c) }),
                files = result.Files.Select(f => new
                {
                    file = f.File,
                    images = f.Rows,
                    encoded = f.Encoded,
                    cached = f.Cached,
                    current = f.Current,
                    seconds = Math.Round(f.Seconds, 3),
                    unreadable = f.Problems.Select(p => new { row = p.Row + 1, id = p.RowId, file = p.File, reason = p.Reason }),
                }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        foreach (var file in result.Files)
        {
            var name = Path.GetRelativePath(spec.ProjectDirectory, file.File);
            Console.Out.WriteLine(file.Current
                ? string.Create(CultureInfo.InvariantCulture, $"{name}: {file.Rows:N0} images, scores current")
                : string.Create(CultureInfo.InvariantCulture, $"{name}: {file.Rows:N0} images, {file.Encoded:N0} encoded, {file.Cached:N0} from the cache, {file.Seconds:F1} s ({(file.Seconds > 0 ? file.Rows / file.Seconds : 0):N0} images a second)"));
            foreach (var problem in file.Problems)
            {
                Console.Out.WriteLine($"  unreadable: {problem}");
            }
        }

        Console.Out.WriteLine($"score fields: {string.Join(", ", spec.Extractor!.Concepts.Select(c => ExtractorSpec.ScoreField(c.Name)))}");
        return 0;
    }
}
