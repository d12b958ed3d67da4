using System.Diagnostics;
using Alchemist.Data;
using Alchemist.Programs.Apply;
using Alchemist.Spec;

namespace Alchemist.Cluster;

/// <summary>
/// A silo's side of a shard: reads the spec from the project folder on shared storage, opens the split as the one-machine
/// apply does and takes the shard's rows, compiles the programs asked for with the same compiler, limits and budgets
/// (<see cref="ProjectPrograms"/>), applies them with an <see cref="ApplyEngine"/> in this silo's own worker processes (the
/// spec's isolation options, no column cache), and writes the shard file. Compiled programs and engines (with their warm
/// workers) are kept per program set for the next shard, for the two program sets used last.
/// </summary>
internal sealed class ShardRunner(string silo, string projectsRoot, bool trustPrograms = false) : IDisposable
{
    private readonly string _projectsRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(projectsRoot));

    private const int SetsKept = 2;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _compiling = new(1, 1);
    private readonly List<PreparedSet> _sets = [];
    private bool _disposed;

    public string Silo => silo;

    private bool IsDisposed
    {
        get
        {
            lock (_gate)
            {
                return _disposed;
            }
        }
    }

    /// <summary>Why this silo will not take <paramref name="request"/>; null when it may.</summary>
    internal string? Refusal(ShardRequest request)
    {
        var project = Path.GetFullPath(request.ProjectDirectory);
        if (!project.StartsWith(_projectsRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return $"the project {request.ProjectDirectory} is not under {_projectsRoot}, the folder this silo serves (cluster silo --projects-under)";
        }

        if (request.Split is not (SplitName.Train or SplitName.Valid or SplitName.Test))
        {
            return $"'{request.Split}' is not a split";
        }

        if (request.FirstRow < 0 || request.RowCount < 0)
        {
            return $"rows {request.FirstRow} + {request.RowCount} are not a range";
        }

        // The set's hash names the shard's folder, so it must be the hash of the programs asked for, not any text.
        if (request.ProgramSetHash != ClusterKeys.ProgramSetHash(request.Programs.Select(p => (p.Name, p.ContentHash))))
        {
            return "its program set hash is not the hash of its programs";
        }

        return request.TrustPrograms && !trustPrograms
            ? "it asks to run programs in this silo's process (--trust-programs), which this silo was not started to allow (cluster silo --trust-programs)"
            : null;
    }

    public ShardReply Run(ShardRequest request, CancellationToken cancel)
    {
        var started = Stopwatch.GetTimestamp();
        ShardReply Reply(string? error, bool reused = false, bool stopping = false) => new(error, reused, Stopwatch.GetElapsedTime(started).TotalSeconds, silo, stopping);
        // Every field came over an unauthenticated port: nothing names a path, or runs, before it is checked.
        if (Refusal(request) is { } refused)
        {
            return Reply($"refused by silo {silo}: {refused}");
        }

        var path = request.OutputPath;
        if (ShardFile.TryRead(path, request.ProgramSetHash, request.DataHash, request.Split, request.Range) is not null)
        {
            return Reply(null, reused: true);
        }

        try
        {
            var spec = SpecReader.Load(request.ProjectDirectory);
            var options = ProjectApply.OptionsFor(spec, null, request.TrustPrograms) with { CacheDirectory = null };
            var (train, valid, test) = SpecData.OpenSources(spec);
            var split = request.Split switch
            {
                SplitName.Train => train,
                SplitName.Valid => valid,
                SplitName.Test => test,
                _ => null,
            };
            if (split is null)
            {
                return Reply($"the project has no split '{request.Split}'");
            }

            var source = split.WithContentHashOnce();
            if (source.ContentHash() != request.DataHash)
            {
                return Reply($"{source.Path} on silo {silo} is not the data the driver read (its content hash differs): every silo must read the project folder the driver reads, at the same path, on storage they share");
            }

            var set = Prepare(request, spec, options, cancel, out var error);
            if (set is null)
            {
                return Reply(error);
            }

            ApplyEngine engine;
            lock (_gate)
            {
                engine = set.Rent();
            }

            SplitApplyResult? applied = null;
            try
            {
                applied = engine.Apply(request.Split, new RowRangeSource(source, request.FirstRow, request.RowCount), set.Runnable, spec.Classes.Count, cancel: cancel);
            }
            finally
            {
                lock (_gate)
                {
                    // An engine whose apply was cancelled or failed is not trusted with the next shard: its workers go.
                    set.Finish(engine, reusable: applied is not null);
                }
            }

            if (applied.Matrix.Rows != request.RowCount)
            {
                return Reply($"the shard has {applied.Matrix.Rows} rows, not {request.RowCount}");
            }

            ShardFile.Write(path, Output(request, set, applied));
            return Reply(null);
        }
        catch (ObjectDisposedException) when (IsDisposed)
        {
            return Reply($"silo {silo} is stopping", stopping: true);
        }
        catch (Exception e) when (e is UserError or IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException)
        {
            return Reply($"{e.GetType().Name} on silo {silo}: {e.Message}");
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var set in _sets)
            {
                set.Retire();
            }

            _sets.Clear();
        }
    }

    private static ShardOutput Output(ShardRequest request, PreparedSet set, SplitApplyResult applied)
    {
        var programs = new ShardProgramOutput[request.Programs.Length];
        foreach (var (name, reason) in set.Rejected)
        {
            var j = Array.FindIndex(request.Programs, p => p.Name == name);
            programs[j] = new ShardProgramOutput(name, request.Programs[j].ContentHash, ShardProgramStatus.Rejected, reason, 0, 0, -1, null, TimeSpan.Zero, null);
        }

        for (var k = 0; k < set.Runnable.Count; k++)
        {
            var result = applied.Programs[k];
            var j = Array.FindIndex(request.Programs, p => p.Name == result.Name);
            var ok = result.Status == ProgramStatus.Ok;
            programs[j] = new ShardProgramOutput(
                result.Name,
                request.Programs[j].ContentHash,
                ok ? ShardProgramStatus.Ok : ShardProgramStatus.Disabled,
                result.Reason,
                result.Errors,
                result.BudgetExceeded,
                result.FirstFaultRow < 0 ? -1 : request.FirstRow + result.FirstFaultRow,
                result.FirstFault,
                result.Time,
                ok ? applied.Matrix.Column(k).ToArray() : null);
        }

        return new ShardOutput(request.ProgramSetHash, request.DataHash, request.Split, request.Range, programs);
    }

    /// <summary>The program set compiled once for this silo (or found compiled), or null with why it cannot be.</summary>
    private PreparedSet? Prepare(ShardRequest request, TaskSpec spec, ApplyOptions options, CancellationToken cancel, out string? error)
    {
        var key = (request.ProjectDirectory, request.ProgramSetHash, options);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_sets.FirstOrDefault(s => s.Key == key) is { } known)
            {
                _sets.Remove(known);
                _sets.Insert(0, known);
                known.Users++;
                error = null;
                return known;
            }
        }

        // One compile at a time, outside the lock: two shards of a new set arriving together compile it once (one compiler
        // process warms up, not two), and a shard of a set compiled already need not wait for Roslyn.
        _compiling.Wait(cancel);
        try
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_sets.FirstOrDefault(s => s.Key == key) is { } compiledMeanwhile)
                {
                    compiledMeanwhile.Users++;
                    error = null;
                    return compiledMeanwhile;
                }
            }

            var prepared = PreparedSet.Compile(key, request, spec, options, silo, out error);
            if (prepared is null)
            {
                return null;
            }

            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _sets.Insert(0, prepared);
                prepared.Users++;
                while (_sets.Count > SetsKept)
                {
                    _sets[^1].Retire();
                    _sets.RemoveAt(_sets.Count - 1);
                }

                return prepared;
            }
        }
        finally
        {
            _compiling.Release();
        }
    }

    /// <summary>
    /// One program set compiled on this silo, with its idle engines (each keeps its worker processes warm for the next shard;
    /// an engine runs one shard at a time). A retired set disposes its engines as they come back, and its programs once no
    /// shard uses them. Used under the runner's lock only.
    /// </summary>
    private sealed class PreparedSet
    {
        private readonly Stack<ApplyEngine> _idle = new();
        private readonly ApplyOptions _options;
        private bool _retired;

        private PreparedSet((string, string, ApplyOptions) key, ApplyOptions options, IReadOnlyList<SandboxedProgram> runnable, IReadOnlyList<(string Name, string Reason)> rejected)
        {
            Key = key;
            _options = options;
            Runnable = runnable;
            Rejected = rejected;
        }

        public (string, string, ApplyOptions) Key { get; }

        public IReadOnlyList<SandboxedProgram> Runnable { get; }

        public IReadOnlyList<(string Name, string Reason)> Rejected { get; }

        /// <summary>Shards using the set now.</summary>
        public int Users { get; set; }

        public static PreparedSet? Compile((string, string, ApplyOptions) key, ShardRequest request, TaskSpec spec, ApplyOptions options, string silo, out string? error)
        {
            using var programs = ProjectPrograms.Load(spec, options);
            var runnable = new List<SandboxedProgram>();
            var rejected = new List<(string, string)>();
            try
            {
                foreach (var wanted in request.Programs)
                {
                    if (programs.Unreadable.FirstOrDefault(u => u.Name == wanted.Name) is { } unreadable)
                    {
                        rejected.Add((wanted.Name, unreadable.Reason));
                        continue;
                    }

                    var file = programs.Files.FirstOrDefault(f => f.Name == wanted.Name);
                    if (file is null || programs.ContentHashOf(file) != wanted.ContentHash)
                    {
                        error = $"{ProjectApply.ProgramsFolder}/{wanted.Name}{Programs.ProgramFile.Extension} {(file is null ? "is missing" : "differs")} on silo {silo}: "
                            + "every silo must read the project folder the driver reads, at the same path, and run the same build of alchemist";
                        runnable.ForEach(p => p.Dispose());
                        return null;
                    }

                    if (programs.TryCompile(file, out var failure) is { } compiled)
                    {
                        runnable.Add(compiled);
                    }
                    else
                    {
                        rejected.Add((wanted.Name, failure!));
                    }
                }
            }
            catch
            {
                runnable.ForEach(p => p.Dispose());
                throw;
            }

            error = null;
            return new PreparedSet(key, options, runnable, rejected);
        }

        public ApplyEngine Rent() => _idle.Count > 0 ? _idle.Pop() : new ApplyEngine(_options);

        /// <summary>The shard is done with the set and with <paramref name="engine"/>, which goes back to the idle ones when <paramref name="reusable"/>.</summary>
        public void Finish(ApplyEngine engine, bool reusable)
        {
            Users--;
            if (_retired || !reusable)
            {
                engine.Dispose();
                DisposeProgramsIfUnused();
            }
            else
            {
                _idle.Push(engine);
            }
        }

        public void Retire()
        {
            _retired = true;
            while (_idle.Count > 0)
            {
                _idle.Pop().Dispose();
            }

            DisposeProgramsIfUnused();
        }

        private void DisposeProgramsIfUnused()
        {
            if (Users == 0)
            {
                foreach (var program in Runnable)
                {
                    program.Dispose();
                }
            }
        }
    }
}
