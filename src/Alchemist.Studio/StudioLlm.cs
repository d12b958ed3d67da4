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
/// <param name="Parts">For "revise": the classes the split class became.</param>
public sealed record LlmAsk(string? Kind, string? Class, string? Program, IReadOnlyList<string>? Parts = null);

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
        var (settings, request, _) = Plan(ask);
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
        var (settings, request, replaces) = Plan(ask);
        var layout = new ProjectLayout(Spec.ProjectDirectory);

        SynthesisReport report;
        using (var synthesizer = SynthesisSession.Open(Spec, settings))
        {
            (report, _) = await synthesizer.FollowUpAsync([request], 1 + settings.MaxRepairs, cancellation).ConfigureAwait(false);
        }

        var outcome = report.Outcomes.Single();
        var spent = report.SpentThisRunUsd;
        if (outcome.Kind != OutcomeKind.Accepted)
        {
            return new LlmAnswer(outcome.Kind.ToString().ToLowerInvariant(), replaces ?? request.Name, outcome.Reason, outcome.Path, spent, null);
        }

        var written = Path.Combine(layout.ProgramsFolder, request.Name + ProgramFile.Extension);
        if (replaces is null)
        {
            return new LlmAnswer("accepted", request.Name, null, written, spent, ApplyFile(request.Name));
        }

        lock (_gate)
        {
            var reply = ProgramFile.Load(written);
            var active = Path.Combine(layout.ProgramsFolder, replaces + ProgramFile.Extension);
            var parked = Path.Combine(layout.DisabledProgramsFolder, replaces + ProgramFile.Extension);
            foreach (var old in new[] { active, parked }.Where(File.Exists))
            {
                ProjectClasses.KeepVersion(layout, replaces, old, DateTimeOffset.UtcNow);
                File.Delete(old);
            }

            new ProgramFile(replaces, reply.Provenance, reply.Source).Save(layout.ProgramsFolder);
            File.Delete(written);
        }

        return new LlmAnswer("accepted", replaces, null, Path.Combine(layout.ProgramsFolder, replaces + ProgramFile.Extension), spent, ApplyFile(replaces));
    }

    /// <summary><paramref name="stem"/>, or stem-2, stem-3 ...: the first name no program file, active or disabled, has.</summary>
    private string FreeName(string stem)
    {
        var layout = new ProjectLayout(Spec.ProjectDirectory);
        bool Taken(string name) => File.Exists(Path.Combine(layout.ProgramsFolder, name + ProgramFile.Extension))
            || File.Exists(Path.Combine(layout.DisabledProgramsFolder, name + ProgramFile.Extension));
        var name = stem;
        for (var n = 2; Taken(name); n++)
        {
            name = $"{stem}-{n}";
        }

        return name;
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

    /// <summary>
    /// The request an ask makes, and the program it replaces (a fix or a revision): its reply is written under a name of its
    /// own (the synthesizer never overwrites a file that differs) and takes the program's place only once it passed every check.
    /// </summary>
    private (SynthesisSettings Settings, FollowUpRequest Request, string? Replaces) Plan(LlmAsk ask)
    {
        var (settings, request) = Request(ask);
        return request is ProgramFixRequest or ProgramRevisionRequest
            ? (settings, request with { Name = FreeName(request.Name + "-llm") }, request.Name)
            : (settings, request, null);
    }

    private (SynthesisSettings Settings, FollowUpRequest Request) Request(LlmAsk ask)
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

                    var name = FreeName($"followup-{ProgramNames.ClassSlugs(Spec.ClassNames)[cls]}");

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

            case "revise":
                {
                    // After a split: the program voted the class that was split, and now abstains there (or was disabled).
                    var layout = new ProjectLayout(Spec.ProjectDirectory);
                    // The name is checked before any path is made of it.
                    var path = ask.Program is not null && ProgramFile.IsValidName(ask.Program)
                        ? new[] { layout.ProgramsFolder, layout.DisabledProgramsFolder }.Select(f => Path.Combine(f, ask.Program + ProgramFile.Extension)).FirstOrDefault(File.Exists)
                        : null;
                    if (ask.Program is null || path is null)
                    {
                        throw new UserError($"no program named '{ProgramFile.Printable(ask.Program ?? "")}' to revise", Spec.SpecFile);
                    }

                    var parts = (ask.Parts ?? []).Select(p => Spec.ClassNames.ToList().FindIndex(c => string.Equals(c, p, StringComparison.OrdinalIgnoreCase))).ToList();
                    if (ask.Class is null || parts.Count < 2 || parts.Any(k => k < 0))
                    {
                        throw new UserError($"a revision names the class that was split and its parts, which must be classes now ({string.Join(", ", Spec.ClassNames)})", Spec.SpecFile);
                    }

                    return (settings, new ProgramRevisionRequest(ProgramFile.Load(path).Source, ask.Class, [.. parts.Select(k => (k, Spec.ClassNames[k], Spec.Classes[k].Description))])
                    {
                        Name = ask.Program,
                        Reason = $"the class {ask.Class} was split into {string.Join(", ", parts.Select(k => Spec.ClassNames[k]))}, and this program voted {ask.Class}",
                    });
                }

            default:
                throw new UserError("ask for a program for a class (kind \"class\"), a fix of a program (kind \"fix\") or its revision after a split (kind \"revise\")", Spec.SpecFile);
        }
    }

    private static int RowsIn(FollowUpRequest request) => request switch
    {
        ClassFollowUp c => c.Examples.Count,
        ProgramFixRequest f => f.WrongRows.Count,
        ProgramRevisionRequest => 0,
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

    /// <summary>A first rule over the first field: a phrase test for text, a threshold for a number (an image's concept score).</summary>
    private static string Example(ProgramSignature signature, string parameter)
    {
        var field = signature.Fields[0];
        var read = signature.IsSingleText ? parameter : "row." + ProgramSignature.PropertyName(field.Name);
        return field.Type == InputType.Number ? $"if ({read} > 0) return 0;" : $"if ({read}.Contains(\"...\")) return 0;";
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
                // Write the rule here, for example: {{Example(signature, parameter)}}
                return -1;
            }

            """;
    }
}
