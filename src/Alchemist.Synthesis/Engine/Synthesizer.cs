using System.Globalization;
using System.Text;
using Alchemist.Data;
using Alchemist.Programs;
using Alchemist.Spec;
using Alchemist.Synthesis.Extraction;
using Alchemist.Synthesis.Llm;
using Alchemist.Synthesis.Prompts;
using Alchemist.Synthesis.Retrieval;

namespace Alchemist.Synthesis.Engine;

/// <summary>
/// Turns a task into verified program files: for each of N samples it asks the LLM (one-stage, two-stage, or two-stage with
/// retrieved passages), extracts the code, compiles, verifies and smoke-tests it in the sandbox, sends failures back for a
/// bounded number of repairs, drops programs that vote exactly like one already kept, and writes the accepted ones with
/// their provenance (rejected replies go beside them with the reason). Every call goes through the gateway, so a rerun
/// repeats no finished call.
/// </summary>
public sealed class Synthesizer : IDisposable
{
    private readonly SynthesisSettings _settings;
    private readonly LlmGateway _gateway;
    private readonly IProgramChecker _checker;
    private readonly PromptBuilder _prompts;
    private readonly IReadOnlyList<string> _promptRows;
    private readonly Bm25Index? _documents;
    private readonly Action<string> _log;
    private readonly SemaphoreSlim _checkGate = new(1);

    internal Synthesizer(
        SynthesisSettings settings,
        LlmGateway gateway,
        IProgramChecker checker,
        IReadOnlyList<string>? promptRows = null,
        Action<string>? log = null)
    {
        _settings = settings;
        _gateway = gateway;
        _checker = checker;
        _prompts = new PromptBuilder(settings.Task);
        _promptRows = settings.RowsInPrompts ? promptRows ?? [] : [];
        _log = log ?? (_ => { });
        if (settings.Strategy == SynthesisMode.Retrieval)
        {
            _documents = new Bm25Index(new DocumentChunker().ChunkFolder(settings.DocsFolder
                ?? throw new SynthesisException("retrieval mode needs synthesis.docs")));
        }
    }

    internal PromptBuilder Prompts => _prompts;

    /// <summary>Ends the checker's worker and compiler processes.</summary>
    public void Dispose()
    {
        (_checker as IDisposable)?.Dispose();
        _checkGate.Dispose();
    }

    /// <summary>Name of sample <paramref name="sample"/> (1-based): its program file is programs/&lt;name&gt;.cs.</summary>
    public string NameOf(int sample) => _settings.Strategy switch
    {
        SynthesisMode.OneStage => $"synth-{sample:00}",
        SynthesisMode.TwoStage => $"synth-{sample:00}-{KindOf(sample).ToString().ToLowerInvariant()}",
        _ => $"synth-{sample:00}-docs-{KindOf(sample).ToString().ToLowerInvariant()}",
    };

    internal PriorKnowledgeKind KindOf(int sample) => _settings.Kinds[(sample - 1) % _settings.Kinds.Count];

    /// <summary>
    /// Every call a run makes when no repair is needed, in order: for two-stage modes the second call carries a stand-in for
    /// the first-stage reply, and <see cref="PlannedCall.UnknownInputTokens"/> counts that reply at its full token allowance.
    /// For dry runs and estimates.
    /// </summary>
    public IReadOnlyList<PlannedCall> PlannedCalls()
    {
        var calls = new List<PlannedCall>();
        for (var sample = 1; sample <= _settings.Programs; sample++)
        {
            if (_settings.Strategy == SynthesisMode.OneStage)
            {
                calls.Add(new PlannedCall(ProgramRequest(sample, _prompts.OneStage(RowsFor(sample))), 0));
                continue;
            }

            calls.Add(new PlannedCall(KnowledgeRequest(sample), 0));
            var placeholder = $"[the reply to {NameOf(sample)} knowledge goes here, up to {_settings.MaxTokens} tokens]";
            calls.Add(new PlannedCall(ProgramRequest(sample, _prompts.ProgramWithKnowledge(placeholder, RowsFor(sample))), _settings.MaxTokens));
        }

        return calls;
    }

    /// <summary>
    /// Asks for <see cref="SynthesisSettings.Programs"/> programs at once, checks and repairs each, and writes the accepted ones
    /// and notes on the others. A sample whose call fails or waits for an exchange reply is an outcome, not an exception.
    /// </summary>
    public async Task<SynthesisReport> RunAsync(CancellationToken cancellationToken)
    {
        var callsBefore = _gateway.CallsMade;
        var spentBefore = _gateway.Ledger.TotalCostUsd;
        var tasks = Enumerable.Range(1, _settings.Programs).Select(sample => SynthesizeAsync(sample, cancellationToken)).ToArray();
        var drafts = await Task.WhenAll(tasks).ConfigureAwait(false);
        return Finish(drafts, callsBefore, spentBefore);
    }

    /// <summary>Samples of follow-up requests are numbered from here, apart from the first synthesis's, so their cache entries never meet.</summary>
    public const int FollowUpSampleBase = 1000;

    /// <summary>
    /// Asks for the programs <paramref name="requests"/> describe, in order, one at a time, until <paramref name="maxCalls"/>
    /// calls (answers from the cache included, so a rerun asks the same) are spent: each request's repairs come out of the
    /// same allowance. Accepted programs are written beside the others. Requests the allowance did not reach are returned.
    /// </summary>
    public async Task<(SynthesisReport Report, IReadOnlyList<FollowUpRequest> NotAsked)> FollowUpAsync(
        IReadOnlyList<FollowUpRequest> requests, int maxCalls, CancellationToken cancellationToken)
    {
        var callsBefore = _gateway.CallsMade;
        var spentBefore = _gateway.Ledger.TotalCostUsd;
        var drafts = new List<Draft>();
        var callsLeft = maxCalls;
        var asked = 0;
        for (; asked < requests.Count && callsLeft > 0; asked++)
        {
            var request = requests[asked];
            _log($"{request.Name}: follow-up, because {request.Reason}");
            var draft = await DraftAsync(
                FollowUpSampleBase + asked + 1,
                request.Name,
                _ => Task.FromResult(request.Prompt(_prompts)),
                Math.Min(_settings.MaxRepairs, callsLeft - 1),
                (repairs, calls) => DescribeFollowUp(request, repairs, calls),
                cancellationToken).ConfigureAwait(false);
            drafts.Add(draft);
            callsLeft -= Math.Max(1, draft.Outcome.Calls.Count);
        }

        return (Finish(drafts, callsBefore, spentBefore), requests.Skip(asked).ToList());
    }

    /// <summary>
    /// The call <see cref="FollowUpAsync"/> makes first for <paramref name="request"/> when it is the only one asked, so that
    /// it can be priced (and found in the cache) before anyone pays for it.
    /// </summary>
    public PlannedCall PlannedFollowUp(FollowUpRequest request) => new(ProgramRequest(FollowUpSampleBase + 1, request.Prompt(_prompts), request.Name), 0);

    /// <summary>The gateway's cache, ledger and prices, for estimates beside the calls.</summary>
    public LlmGateway Gateway => _gateway;

    /// <summary>Writes the accepted drafts (dropping one that votes exactly like one kept before it) and the rejection notes.</summary>
    private SynthesisReport Finish(IReadOnlyList<Draft> drafts, int callsBefore, decimal spentBefore)
    {
        var outcomes = new List<ProgramOutcome>();
        var kept = new List<(string Name, sbyte[] Votes)>();
        foreach (var draft in drafts)
        {
            if (draft.Outcome.Kind == OutcomeKind.Accepted)
            {
                var twin = kept.FirstOrDefault(k => k.Votes.AsSpan().SequenceEqual(draft.Votes));
                if (twin.Name is not null)
                {
                    var reason = $"votes exactly like {twin.Name} on all {_checker.SampleRows} sampled rows";
                    RemoveEarlierCopy(draft, twin.Name);
                    outcomes.Add(draft.Outcome with
                    {
                        Kind = OutcomeKind.Duplicate,
                        Reason = reason,
                        Path = WriteRejection(draft.Outcome.Name, reason, draft.Attempts, draft.Code),
                    });
                    continue;
                }

                kept.Add((draft.Outcome.Name, draft.Votes!));
                outcomes.Add(draft.Outcome with { Path = WriteProgram(draft) });
            }
            else if (draft.Outcome.Kind == OutcomeKind.Rejected)
            {
                outcomes.Add(draft.Outcome with { Path = WriteRejection(draft.Outcome.Name, draft.Outcome.Reason!, draft.Attempts, null) });
            }
            else
            {
                outcomes.Add(draft.Outcome);
            }
        }

        return new SynthesisReport(
            outcomes,
            _gateway.CallsMade - callsBefore,
            _gateway.CacheHits,
            _gateway.Ledger.TotalCostUsd - spentBefore,
            _gateway.Ledger.TotalCostUsd);
    }

    private Task<Draft> SynthesizeAsync(int sample, CancellationToken cancellationToken) => DraftAsync(
        sample,
        NameOf(sample),
        async calls =>
        {
            if (_settings.Strategy == SynthesisMode.OneStage)
            {
                return _prompts.OneStage(RowsFor(sample));
            }

            var knowledge = await CallAsync(KnowledgeRequest(sample), calls, cancellationToken).ConfigureAwait(false);
            return _prompts.ProgramWithKnowledge(knowledge.Text, RowsFor(sample));
        },
        _settings.MaxRepairs,
        (repairs, calls) => Describe(sample, repairs, calls),
        cancellationToken);

    /// <summary>
    /// One program: the opening conversation (which may make calls of its own), the program call, then extraction, checks in
    /// the sandbox and up to <paramref name="maxRepairs"/> repairs.
    /// </summary>
    private async Task<Draft> DraftAsync(
        int sample,
        string name,
        Func<List<CallSummary>, Task<IReadOnlyList<LlmMessage>>> opening,
        int maxRepairs,
        Func<int, IReadOnlyList<CallSummary>, string> describe,
        CancellationToken cancellationToken)
    {
        var calls = new List<CallSummary>();
        var attempts = new List<Attempt>();
        try
        {
            var conversation = await opening(calls).ConfigureAwait(false);
            var request = ProgramRequest(sample, conversation, name);
            // The program's provenance names the prompt that asked for it, not the last repair's.
            var programRequest = request;
            var reply = await CallAsync(request, calls, cancellationToken).ConfigureAwait(false);
            for (var repair = 0; ; repair++)
            {
                var extraction = ReplyExtractor.Extract(reply.Text);
                ProgramCheck check;
                if (!extraction.Succeeded)
                {
                    check = ProgramCheck.Reject(CheckStage.Extract, extraction.Rejection!,
                        $"Your reply could not be used: {extraction.Rejection}.");
                }
                else
                {
                    await _checkGate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        check = _checker.Check(name, extraction.Code!, cancellationToken);
                    }
                    finally
                    {
                        _checkGate.Release();
                    }
                }

                attempts.Add(new Attempt(reply.Text, extraction.Code, check.Reason));
                if (check.Accepted)
                {
                    _log($"{name}: accepted{(repair > 0 ? $" after {repair} repair(s)" : "")}, coverage {check.Coverage:P0} of {_checker.SampleRows} sampled rows");
                    var outcome = new ProgramOutcome
                    {
                        Sample = sample,
                        Name = name,
                        Kind = OutcomeKind.Accepted,
                        Repairs = repair,
                        Coverage = check.Coverage,
                        Calls = calls,
                    };
                    return new Draft(outcome, attempts, extraction.Code, check.SampleVotes, programRequest, describe(repair, calls));
                }

                if (repair >= maxRepairs)
                {
                    _log($"{name}: rejected ({check.Reason})");
                    return new Draft(
                        new ProgramOutcome { Sample = sample, Name = name, Kind = OutcomeKind.Rejected, Reason = check.Reason, Repairs = repair, Calls = calls },
                        attempts, null, null, programRequest, null);
                }

                _log($"{name}: {check.Reason}; asking for repair {repair + 1} of {maxRepairs}");
                conversation = _prompts.Repair(request.Messages, reply.Text, check.Feedback!);
                request = new LlmRequest(_gateway.ProviderName, _settings.RepairModel, conversation, _settings.Temperature, _settings.MaxTokens, sample, $"{name} repair {repair + 1}");
                reply = await CallAsync(request, calls, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ReplyPendingException pending)
        {
            return new Draft(
                new ProgramOutcome { Sample = sample, Name = name, Kind = OutcomeKind.Pending, Path = pending.ReplyPath, Reason = pending.Message, Calls = calls },
                attempts, null, null, null, null);
        }
        catch (SynthesisException error)
        {
            _log($"{name}: {error.Message}");
            return new Draft(
                new ProgramOutcome { Sample = sample, Name = name, Kind = OutcomeKind.Failed, Reason = error.Message, Calls = calls },
                attempts, null, null, null, null);
        }
    }

    private async Task<LlmReply> CallAsync(LlmRequest request, List<CallSummary> calls, CancellationToken cancellationToken)
    {
        var reply = await _gateway.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
        calls.Add(new CallSummary(request.Purpose, request.Model, reply.InputTokens, reply.OutputTokens,
            _gateway.PriceOf(request.Model).Cost(reply.InputTokens, reply.OutputTokens)));
        return reply;
    }

    private LlmRequest KnowledgeRequest(int sample)
    {
        var kind = KindOf(sample);
        IReadOnlyList<string>? passages = null;
        if (_documents is not null)
        {
            var query = string.Join(' ', [_settings.Task.Description, .. _settings.Task.Classes.Select(c => $"{c.Name} {c.Description}")]);
            passages = _documents.Search(query, _settings.PassagesPerPrompt)
                .Select(hit => $"[{hit.Chunk.Citation}]\n{hit.Chunk.Text}")
                .ToArray();
        }

        return new LlmRequest(
            _gateway.ProviderName,
            _settings.KnowledgeModel,
            _prompts.Knowledge(kind, passages, RowsFor(sample)),
            _settings.Temperature,
            _settings.MaxTokens,
            sample,
            $"{NameOf(sample)} knowledge");
    }

    private LlmRequest ProgramRequest(int sample, IReadOnlyList<LlmMessage> messages, string? name = null) =>
        new(_gateway.ProviderName, _settings.ProgramModel, messages, _settings.Temperature, _settings.MaxTokens, sample, name ?? NameOf(sample));

    /// <summary>Real rows for sample <paramref name="sample"/>'s prompts (only when the spec allows it): a different slice per sample.</summary>
    private IReadOnlyList<string>? RowsFor(int sample)
    {
        if (_promptRows.Count == 0)
        {
            return null;
        }

        var count = Math.Min(_settings.PromptRows, _promptRows.Count);
        var start = ((sample - 1) * count) % _promptRows.Count;
        return Enumerable.Range(0, count).Select(k => _promptRows[(start + k) % _promptRows.Count]).ToArray();
    }

    private string Describe(int sample, int repairs, IReadOnlyList<CallSummary> calls)
    {
        var mode = _settings.Strategy switch
        {
            SynthesisMode.OneStage => "one-stage",
            SynthesisMode.TwoStage => $"two-stage ({KindOf(sample).ToString().ToLowerInvariant()})",
            _ => $"two-stage with retrieval from the documents folder ({KindOf(sample).ToString().ToLowerInvariant()})",
        };
        return ProvenanceComment($"{mode}, sample {sample}, {repairs} repair(s)", calls);
    }

    private static string DescribeFollowUp(FollowUpRequest request, int repairs, IReadOnlyList<CallSummary> calls) =>
        ProvenanceComment($"follow-up, because {request.Reason.Replace('\n', ' ')}; {repairs} repair(s)", calls);

    /// <summary>The comment lines above a synthesized program: how it was asked for, and each call with its tokens and cost.</summary>
    private static string ProvenanceComment(string synthesis, IReadOnlyList<CallSummary> calls)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"// synthesis: {synthesis}\n");
        foreach (var call in calls)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"// call: {call.Purpose}: {call.Model}, {call.InputTokens} in, {call.OutputTokens} out, ${call.CostUsd:0.######}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// A duplicate may have been accepted and written by an earlier run, before the program it duplicates was answered
    /// (exchange rounds): its file goes, or its votes would count twice. A file a person has edited since stays, with a note.
    /// </summary>
    private void RemoveEarlierCopy(Draft draft, string twin)
    {
        var path = Path.Combine(_settings.ProgramsFolder, draft.Outcome.Name + ProgramFile.Extension);
        if (!File.Exists(path))
        {
            return;
        }

        if (ProgramFile.Load(path).Source == ProgramOf(draft).Source)
        {
            File.Delete(path);
            _log($"{draft.Outcome.Name}: removed {path}, written by an earlier run: it votes exactly like {twin}");
        }
        else
        {
            _log($"{draft.Outcome.Name}: kept {path}, which was edited after it was written, although its synthesized program votes exactly like {twin}");
        }
    }

    private string WriteProgram(Draft draft)
    {
        var outcome = draft.Outcome;
        var program = ProgramOf(draft);
        var path = Path.Combine(_settings.ProgramsFolder, outcome.Name + ProgramFile.Extension);
        var rejectedNote = Path.Combine(_settings.RejectedFolder, outcome.Name + ".md");
        if (File.Exists(rejectedNote))
        {
            File.Delete(rejectedNote);
        }

        if (File.Exists(path))
        {
            var existing = ProgramFile.Load(path);
            if (existing.Source != program.Source)
            {
                _log($"{outcome.Name}: kept the existing {path}, which differs from the synthesized program (delete it to take the new one)");
                return path;
            }
        }

        program.Save(_settings.ProgramsFolder);
        return path;
    }

    /// <summary>The program file an accepted draft becomes, with its provenance.</summary>
    private ProgramFile ProgramOf(Draft draft)
    {
        var outcome = draft.Outcome;
        var source = draft.Provenance + "\n" + draft.Code!.Trim('\n') + "\n";
        return new ProgramFile(outcome.Name, new ProgramProvenance
        {
            Kind = ProgramAuthorKind.Llm,
            Provider = _gateway.ProviderName,
            Model = _settings.ProgramModel,
            PromptHash = draft.Request!.Key,
            PromptTokens = outcome.Calls.Sum(c => c.InputTokens),
            CompletionTokens = outcome.Calls.Sum(c => c.OutputTokens),
            CostUsd = decimal.Round(outcome.CostUsd, 6),
            Created = _gateway.Cache.TryGet(draft.Request, out var record) ? record.FinishedAt : DateTimeOffset.UtcNow,
        }, source);
    }

    private string WriteRejection(string name, string reason, IReadOnlyList<Attempt> attempts, string? code)
    {
        var text = new StringBuilder();
        text.Append("# ").Append(name).Append(": rejected\n\n").Append("Reason: ").Append(reason).Append("\n\n");
        if (code is not null)
        {
            text.Append("## Program\n\n```csharp\n").Append(code.Trim('\n')).Append("\n```\n\n");
        }

        for (var i = 0; i < attempts.Count; i++)
        {
            text.Append("## Reply ").Append(i + 1).Append(i == 0 ? "" : $" (repair {i})");
            text.Append(attempts[i].Problem is null ? "" : $": {attempts[i].Problem}").Append("\n\n");
            text.Append(attempts[i].Reply.TrimEnd()).Append("\n\n");
        }

        var path = Path.Combine(_settings.RejectedFolder, name + ".md");
        AtomicFile.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>A call a run will make; <paramref name="UnknownInputTokens"/> are prompt tokens not known before the run.</summary>
    /// <param name="Request">The call as the run would send it, keyed and priced the same way.</param>
    /// <param name="UnknownInputTokens">The first-stage reply a second-stage prompt will carry, counted at its full token allowance; 0 for other calls.</param>
    public sealed record PlannedCall(LlmRequest Request, int UnknownInputTokens);

    private sealed record Attempt(string Reply, string? Code, string? Problem);

    private sealed record Draft(ProgramOutcome Outcome, IReadOnlyList<Attempt> Attempts, string? Code, sbyte[]? Votes, LlmRequest? Request, string? Provenance);
}
