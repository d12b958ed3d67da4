using System.Globalization;
using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Pipeline;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;
using Alchemist.Spec;
using Alchemist.Synthesis;
using Alchemist.Synthesis.Engine;
using Alchemist.Synthesis.Llm;

namespace Alchemist.Studio;

/// <summary>What a person asks the LLM for from the page: a program for a class, or a fix of one program.</summary>
/// <param name="Kind">"class" (a new program for <paramref name="Class"/>) or "fix" (<paramref name="Program"/> corrected).</param>
/// <param name="Class">The class, by name, for "class".</param>
/// <param name="Program">The program, by name, for "fix".</param>
public sealed record LlmAsk(string? Kind, string? Class, string? Program);

/// <summary>
/// What an ask would cost before it is made: the first call's tokens and an upper bound for it and its repairs, or nothing
/// when the reply is in the cache.
/// </summary>
public sealed record LlmEstimate(string Provider, string Model, string Purpose, string Reason, int InputTokens, int MaxOutputTokens, int MaxCalls, bool Cached, decimal UpToUsd, decimal SpentSoFarUsd, int RowsInPrompt);

/// <summary>What came of an ask: the program written and applied, a reply still awaited (exchange), or why none was kept.</summary>
public sealed record LlmAnswer(string Outcome, string Program, string? Reason, string? Path, decimal SpentUsd, SaveResult? Applied);

public sealed partial class StudioProject
{
    /// <summary>Prices <paramref name="ask"/> without calling anything; a <see cref="UserError"/> when it cannot be asked.</summary>
    public LlmEstimate Estimate(LlmAsk ask)
    {
        var (settings, request) = Plan(ask);
        using var synthesizer = SynthesisSession.OpenForEstimate(settings);
        var call = synthesizer.PlannedFollowUp(request).Request;
        var gateway = synthesizer.Gateway;
        var cached = gateway.Cache.TryGet(call, out _);
        var input = TokenEstimator.EstimatePrompt(call.Messages);
        var calls = 1 + settings.MaxRepairs;
        var upTo = cached ? 0m : gateway.PriceOf(call.Model).Cost(input, call.MaxTokens) * calls;
        return new LlmEstimate(settings.Endpoint.Provider.ToString().ToLowerInvariant(), call.Model, call.Purpose, request.Reason, input, call.MaxTokens, calls, cached, upTo,
            gateway.Ledger.TotalCostUsd, RowsIn(request));
    }

    /// <summary>
    /// Asks the LLM (through the project's cache, ledger and spending cap, with the same checks and repairs as a run), and
    /// applies the program it writes: a new program for a class, or the fixed program in place of the old one (kept in its
    /// history). A reply the exchange provider still waits for is an answer too, naming the file to paste it into.
    /// </summary>
    public async Task<LlmAnswer> AskAsync(LlmAsk ask, CancellationToken cancellation)
    {
        var (settings, request) = Plan(ask);
        var layout = new ProjectLayout(Spec.ProjectDirectory);
        var path = Path.Combine(layout.ProgramsFolder, request.Name + ProgramFile.Extension);
        string? previous = request is ProgramFixRequest && File.Exists(path) ? File.ReadAllText(path) : null;
        SynthesisReport report;
        using (var synthesizer = SynthesisSession.Open(Spec, settings))
        {
            (report, _) = await synthesizer.FollowUpAsync([request], 1 + settings.MaxRepairs, cancellation).ConfigureAwait(false);
        }

        var outcome = report.Outcomes.Single();
        var spent = report.SpentThisRunUsd;
        if (outcome.Kind != OutcomeKind.Accepted)
        {
            return new LlmAnswer(outcome.Kind.ToString().ToLowerInvariant(), request.Name, outcome.Reason, outcome.Path, spent, null);
        }

        if (previous is not null)
        {
            var history = layout.HistoryFolder(request.Name);
            Directory.CreateDirectory(history);
            AtomicFile.WriteAllText(Path.Combine(history, DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture) + "-before-fix" + ProgramFile.Extension), previous);
        }

        return new LlmAnswer("accepted", request.Name, null, path, spent, ApplyFile(request.Name));
    }

    /// <summary>Compiles the program file <paramref name="name"/> as it is on disk, applies it and refits (a new or replaced program).</summary>
    private SaveResult ApplyFile(string name)
    {
        lock (_gate)
        {
            var before = _now;
            var file = ProgramFile.Load(Path.Combine(new ProjectLayout(Spec.ProjectDirectory).ProgramsFolder, name + ProgramFile.Extension), ProjectApply.LimitsFor(Spec).MaxBytes);
            var compiled = _compiler.Value.Compile(file);
            if (!compiled.Succeeded)
            {
                return SaveResult.Failed([.. compiled.Diagnostics.Select(d => new EditorError(Math.Max(0, d.Line - file.HeaderLines), d.Column, Describe(d.Stage), d.Message))]);
            }

            var votes = Apply(before, name, compiled.Program!, out var disabled);
            if (disabled is not null)
            {
                votes = WithoutColumn(votes, name);
            }

            return Commit(before, name, votes, file.SourceHash);
        }
    }

    private (SynthesisSettings Settings, FollowUpRequest Request) Plan(LlmAsk ask)
    {
        if (Spec.Llm.Provider == LlmProvider.Offline)
        {
            throw new UserError("no LLM is configured (llm.provider: offline in alchemist.yaml); name a provider there to ask one", Spec.SpecFile);
        }

        var settings = SynthesisSettings.FromSpec(Spec);
        var now = Volatile.Read(ref _now);
        switch (ask.Kind)
        {
            case "class":
                {
                    var cls = Spec.ClassNames.ToList().FindIndex(c => string.Equals(c, ask.Class, StringComparison.OrdinalIgnoreCase));
                    if (cls < 0)
                    {
                        throw new UserError($"there is no class '{ask.Class}'; the classes are {string.Join(", ", Spec.ClassNames)}", Spec.SpecFile);
                    }

                    var slug = ProgramNames.ClassSlugs(Spec.ClassNames)[cls];
                    var name = $"followup-{slug}";
                    for (var n = 2; now.Files.ContainsKey(name) || File.Exists(Path.Combine(new ProjectLayout(Spec.ProjectDirectory).ProgramsFolder, name + ProgramFile.Extension)); n++)
                    {
                        name = $"followup-{slug}-{n}";
                    }

                    var voters = now.Rows.Count(r => r.State == "active" && r.Classes.Contains(Spec.ClassNames[cls]));
                    var examples = Spec.Synthesis.RowsInPrompts && _dataset.Valid is { } valid
                        ? Enumerable.Range(0, valid.Count).Where(r => valid.Rows.Labels[r] == cls).Take(ClassFollowUp.MaxExamples).Select(r => _texts[SplitName.Valid][r]).ToList()
                        : [];
                    return (settings, new ClassFollowUp(cls, examples)
                    {
                        Name = name,
                        Reason = $"a person asked for another program for {Spec.ClassNames[cls]}, which {voters} active program(s) vote",
                    });
                }

            case "fix":
                {
                    if (ask.Program is null || !ProgramFile.IsValidName(ask.Program) || !now.Files.TryGetValue(ask.Program, out var file) || Evidence(ask.Program) is not { } evidence)
                    {
                        throw new UserError($"no active program named '{ProgramFile.Printable(ask.Program ?? "")}' to fix", Spec.SpecFile);
                    }

                    var row = now.Rows.First(r => r.Name == ask.Program);
                    var wrong = Spec.Synthesis.RowsInPrompts
                        ? evidence.Wrong.Take(ProgramFixRequest.MaxRows).Select(w => (w.Text, w.Vote, w.Gold ?? "?")).ToList()
                        : [];
                    return (settings, new ProgramFixRequest(file.Source, wrong)
                    {
                        Name = ask.Program,
                        Reason = string.Create(CultureInfo.InvariantCulture, $"on the labeled valid rows it votes on, it is right on {row.ValidRight ?? 0} and wrong on {row.ValidWrong ?? 0}"),
                    });
                }

            default:
                throw new UserError("ask for a program for a class (kind \"class\") or a fix of a program (kind \"fix\")", Spec.SpecFile);
        }
    }

    private static int RowsIn(FollowUpRequest request) => request switch
    {
        ClassFollowUp c => c.Examples.Count,
        ProgramFixRequest f => f.WrongRows.Count,
        _ => 0,
    };
}

/// <summary>Programs added, copied and deleted from the page.</summary>
public sealed partial class StudioProject
{
    /// <summary>
    /// Writes a new program <paramref name="name"/> by <paramref name="author"/>: a copy of <paramref name="copyOf"/>, or, when
    /// null, a template that abstains on every row, for the person to fill in; then applies it. Refused when the name is
    /// taken or not a program name.
    /// </summary>
    public SaveResult Create(string name, string? copyOf, string? author)
    {
        var layout = new ProjectLayout(Spec.ProjectDirectory);
        var path = Path.Combine(layout.ProgramsFolder, name + ProgramFile.Extension);
        if (!ProgramFile.IsValidName(name))
        {
            return SaveResult.Refused($"'{ProgramFile.Printable(name)}' is not a program name: use letters, digits, '-' and '_'");
        }

        lock (_gate)
        {
            if (File.Exists(path) || File.Exists(Path.Combine(layout.DisabledProgramsFolder, name + ProgramFile.Extension)))
            {
                return SaveResult.Refused($"there is a program named {name} already", conflict: true);
            }

            string source;
            if (copyOf is null)
            {
                source = Template();
            }
            else if (ProgramFile.IsValidName(copyOf) && Volatile.Read(ref _now).Files.TryGetValue(copyOf, out var original))
            {
                source = original.Source;
            }
            else
            {
                return SaveResult.Refused($"no program named '{ProgramFile.Printable(copyOf)}' to copy");
            }

            new ProgramFile(name, ProgramProvenance.ByPerson(author, DateTimeOffset.UtcNow), source).Save(layout.ProgramsFolder);
        }

        var result = ApplyFile(name);
        if (!result.Saved)
        {
            // A copy of a program that compiled compiles; a template always does. Anything else is kept as a draft.
            File.Move(path, Path.Combine(Directory.CreateDirectory(layout.DraftsFolder).FullName, name + ProgramFile.Extension), overwrite: true);
        }

        return result;
    }

    /// <summary>
    /// Deletes program <paramref name="name"/>: its file goes to the project's history (nothing is lost), its column leaves
    /// the votes, and the label model is refitted. Null when there is no such active program.
    /// </summary>
    public SaveResult? Delete(string name)
    {
        lock (_gate)
        {
            var layout = new ProjectLayout(Spec.ProjectDirectory);
            var path = Path.Combine(layout.ProgramsFolder, name + ProgramFile.Extension);
            if (!ProgramFile.IsValidName(name) || !File.Exists(path))
            {
                return null;
            }

            var before = _now;
            ProjectClasses.KeepVersion(layout, name, path, DateTimeOffset.UtcNow);
            File.Delete(path);
            return Commit(before, name, WithoutColumn(before.Votes, name), sourceHash: null);
        }
    }

    private string Template()
    {
        var signature = ProjectApply.SignatureFor(Spec);
        var parameter = signature.IsSingleText ? signature.Fields[0].Name : "row";
        return $$"""
            // Votes a class (0 = {{Spec.ClassNames[0]}}, 1 = {{Spec.ClassNames[1]}}{{(Spec.Classes.Count > 2 ? ", ..." : "")}}) or abstains (-1).
            // Classes: {{signature.DescribeClasses()}}.
            {{signature.LabelMethodSignature}}
            {
                // Write the rule here, for example: if ({{(signature.IsSingleText ? parameter : "row." + ProgramSignature.PropertyName(signature.Fields[0].Name))}}.Contains("...")) return 0;
                return -1;
            }

            """;
    }
}
