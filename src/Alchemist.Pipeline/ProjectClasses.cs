using System.Globalization;
using System.Text.Json.Serialization;
using Alchemist.Data;
using Alchemist.Labeling;
using Alchemist.Programs;
using Alchemist.Programs.Apply;
using Alchemist.Programs.Source;
using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>A change to a task's classes, made after its data were labeled and its programs written.</summary>
public abstract record ClassEdit
{
    /// <summary>What the change does, in one line (for logs, program comments and the history).</summary>
    public abstract string Describe();
}

/// <summary>The class <paramref name="From"/> is called <paramref name="To"/>: its gold rows and programs stay its own.</summary>
public sealed record RenameClass(string From, string To) : ClassEdit
{
    /// <inheritdoc/>
    public override string Describe() => $"rename {From} to {To}";
}

/// <summary>A new class, last in the class order; no data row is gold for it until a person labels some.</summary>
public sealed record AddClass(string Name, string? Description) : ClassEdit
{
    /// <inheritdoc/>
    public override string Describe() => $"add {Name}";
}

/// <summary>The class goes: its gold rows lose their label, and its programs' votes for it become abstentions.</summary>
public sealed record RemoveClass(string Name) : ClassEdit
{
    /// <inheritdoc/>
    public override string Describe() => $"remove {Name}";
}

/// <summary>Several classes become one, at the place of the first of them: their gold rows and votes all count for it.</summary>
public sealed record MergeClasses(IReadOnlyList<string> Names, string Into, string? Description) : ClassEdit
{
    /// <inheritdoc/>
    public override string Describe() => $"merge {string.Join(", ", Names)} into {Into}";
}

/// <summary>
/// One class becomes several: the first takes its place, the others go last. Which part a gold row or a vote of the old
/// class belongs to is not known, so those rows lose their label and those votes become abstentions until programs for the
/// parts are written (by the LLM where one is configured) and rows are labeled again.
/// </summary>
public sealed record SplitClass(string Name, IReadOnlyList<string> Into) : ClassEdit
{
    /// <inheritdoc/>
    public override string Describe() => $"split {Name} into {string.Join(", ", Into)}";
}

/// <summary>What a class change did to one program file.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProgramChangeKind>))]
public enum ProgramChangeKind
{
    /// <summary>Its code is as it was (a rename may have changed its comments).</summary>
    Kept,

    /// <summary>Its votes are mapped to the new classes by a generated Label at its end.</summary>
    Mapped,

    /// <summary>Every class it votes is gone: it moved to programs/disabled/.</summary>
    Disabled,
}

/// <summary>One program and what the change did to it.</summary>
public sealed record ProgramClassChange(string Name, ProgramChangeKind Kind, string Detail);

/// <summary>What <see cref="ProjectClasses.Change"/> did.</summary>
/// <param name="Before">The classes before, in order.</param>
/// <param name="After">The classes after, in order.</param>
/// <param name="Programs">Each program file and what happened to it.</param>
/// <param name="NeedPrograms">Classes no program votes any more (new classes, the parts of a split).</param>
/// <param name="UnlabeledGold">Data labels whose rows now have no gold (a removed or split class).</param>
public sealed record ClassChangeResult(
    IReadOnlyList<string> Before,
    IReadOnlyList<string> After,
    IReadOnlyList<ProgramClassChange> Programs,
    IReadOnlyList<string> NeedPrograms,
    IReadOnlyList<string> UnlabeledGold);

/// <summary>
/// Changes a project's classes in place (<c>alchemist classes</c> and the studio): the spec's classes and the mapping of
/// the data's gold labels to them (<see cref="ClassMapping"/>), and every program file, rewritten mechanically
/// (<see cref="ClassMapRewrite"/>), each old version kept in the project's history. Nothing is applied or fitted here; the
/// next run (or the studio) applies the programs whose source changed and reuses the rest.
/// </summary>
public static class ProjectClasses
{
    /// <summary>Makes <paramref name="edit"/> on the project in <paramref name="projectDirectory"/>.</summary>
    /// <exception cref="UserError">A class named that the spec does not have, or a new name it already has.</exception>
    /// <param name="projectDirectory">The project folder.</param>
    /// <param name="edit">The change.</param>
    /// <param name="requireReadableData">
    /// Read the data under the new classes first, and change nothing when they do not make a project that can be labeled
    /// (valid gold of one class only, after a split or removal): the studio shows the project at once and needs that. The
    /// command line changes the classes anyway and warns, so that a person can label valid rows with the new classes next.
    /// </param>
    public static ClassChangeResult Change(string projectDirectory, ClassEdit edit, bool requireReadableData = false)
    {
        using var projectLock = ProjectLock.Acquire(projectDirectory);
        var spec = SpecReader.Load(projectDirectory);
        var layout = new ProjectLayout(spec.ProjectDirectory);
        var plan = Plan(spec, edit);
        var after = spec with { Classes = plan.Classes, Data = spec.Data with { Classes = plan.DataClasses } };
        _ = ClassMapping.Of(after);
        if (requireReadableData)
        {
            _ = SpecData.LoadDataset(after);
        }

        var signature = ProjectApply.SignatureFor(after);
        var voted = VotedClasses(spec);
        var changes = new List<ProgramClassChange>();
        var stamp = DateTimeOffset.UtcNow;
        foreach (var file in ProgramFile.LoadFolder(layout.ProgramsFolder))
        {
            var votes = voted.TryGetValue(file.Name, out var known) ? known : null;
            var source = file.Source;
            foreach (var (from, to) in plan.Renames)
            {
                source = ClassMapRewrite.RenameInComments(source, from, to);
            }

            var mapsAll = votes ?? Enumerable.Range(0, spec.Classes.Count).ToHashSet();
            ProgramClassChange change;
            if (votes is { Count: > 0 } && votes.All(c => plan.ProgramMap[c] < 0))
            {
                change = new(file.Name, ProgramChangeKind.Disabled, $"it votes only {string.Join(", ", votes.Order().Select(c => spec.ClassNames[c]))}, {(votes.Count == 1 ? "a class that no longer exists" : "classes that no longer exist")}; kept in programs/disabled/");
            }
            else if (mapsAll.Any(c => plan.ProgramMap[c] != c))
            {
                source = ClassMapRewrite.MapVotes(source, plan.ProgramMap, signature, $"alchemist classes, {stamp:yyyy-MM-dd}: {edit.Describe()}");
                change = new(file.Name, ProgramChangeKind.Mapped, string.Join(", ", mapsAll.Order().Select(c =>
                    $"{spec.ClassNames[c]} -> {(plan.ProgramMap[c] >= 0 ? after.ClassNames[plan.ProgramMap[c]] : "abstain")}")));
            }
            else
            {
                change = new(file.Name, ProgramChangeKind.Kept, source == file.Source ? "unchanged" : "class names in its comments renamed");
            }

            changes.Add(change);
            if (source == file.Source && change.Kind != ProgramChangeKind.Disabled)
            {
                continue;
            }

            var path = Path.Combine(layout.ProgramsFolder, file.Name + ProgramFile.Extension);
            KeepVersion(layout, file.Name, path, stamp);
            var rewritten = new ProgramFile(file.Name, file.Provenance, source);
            if (change.Kind == ProgramChangeKind.Disabled)
            {
                Directory.CreateDirectory(layout.DisabledProgramsFolder);
                rewritten.Save(layout.DisabledProgramsFolder);
                File.Delete(path);
            }
            else
            {
                rewritten.Save(layout.ProgramsFolder);
            }
        }

        MapVoteFiles(spec, plan.ProgramMap, after.Classes.Count, [.. changes.Where(c => c.Kind == ProgramChangeKind.Disabled).Select(c => c.Name)]);
        AtomicFile.WriteAllText(layout.SpecFile, SpecWriter.ToYaml(after));
        var stillVoted = changes.Where(c => c.Kind != ProgramChangeKind.Disabled && voted.ContainsKey(c.Name))
            .SelectMany(c => voted[c.Name].Select(v => plan.ProgramMap[v])).Where(k => k >= 0).ToHashSet();
        return new ClassChangeResult(spec.ClassNames, after.ClassNames, changes,
            [.. after.ClassNames.Where((_, k) => !stillVoted.Contains(k) && voted.Count > 0 || plan.Fresh.Contains(k)).Distinct()],
            plan.UnlabeledGold);
    }

    /// <summary>
    /// Keeps the file at <paramref name="path"/> as a version of program <paramref name="name"/> before it is replaced: one
    /// file per change in the project's history, named by the time.
    /// </summary>
    public static void KeepVersion(ProjectLayout layout, string name, string path, DateTimeOffset when)
    {
        var history = layout.HistoryFolder(name);
        Directory.CreateDirectory(history);
        var target = Path.Combine(history, when.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture) + ProgramFile.Extension);
        for (var n = 2; File.Exists(target); n++)
        {
            target = Path.Combine(history, when.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture) + $"-{n}" + ProgramFile.Extension);
        }

        File.Copy(path, target);
    }

    /// <summary>
    /// Rewrites the vote files as the rewritten programs vote (each vote through <paramref name="map"/>, disabled programs
    /// left out), so that they always speak of the spec's classes: the studio reads them, and a later change knows which
    /// classes each program votes without a run in between.
    /// </summary>
    private static void MapVoteFiles(TaskSpec spec, int[] map, int classes, IReadOnlyCollection<string> disabled)
    {
        foreach (var split in new[] { SplitName.Train, SplitName.Valid, SplitName.Test })
        {
            var path = ProjectApply.MatrixPath(spec.ProjectDirectory, split);
            if (!File.Exists(path))
            {
                continue;
            }

            var matrix = LabelMatrixFile.Read(path);
            var keep = Enumerable.Range(0, matrix.Programs).Where(j => !disabled.Contains(matrix.ProgramNames[j])).ToArray();
            var columns = keep.Select(j =>
            {
                var column = matrix.ColumnArray(j).ToArray();
                for (var r = 0; r < column.Length; r++)
                {
                    column[r] = column[r] >= 0 && column[r] < map.Length ? (sbyte)map[column[r]] : (sbyte)-1;
                }

                return column;
            }).ToArray();
            LabelMatrixFile.Write(path, LabelMatrix.FromColumns(matrix.Rows, classes, [.. keep.Select(j => matrix.ProgramNames[j])], columns));
        }
    }

    /// <summary>The classes each program voted on any split in the last apply (from the vote files); empty when there are none.</summary>
    private static Dictionary<string, HashSet<int>> VotedClasses(TaskSpec spec)
    {
        var voted = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var split in new[] { SplitName.Train, SplitName.Valid, SplitName.Test })
        {
            var path = ProjectApply.MatrixPath(spec.ProjectDirectory, split);
            if (!File.Exists(path))
            {
                continue;
            }

            var matrix = LabelMatrixFile.Read(path);
            if (matrix.Classes != spec.Classes.Count)
            {
                continue;
            }

            for (var j = 0; j < matrix.Programs; j++)
            {
                var classes = voted.TryGetValue(matrix.ProgramNames[j], out var set) ? set : voted[matrix.ProgramNames[j]] = [];
                foreach (var vote in matrix.Column(j))
                {
                    if (vote >= 0)
                    {
                        classes.Add(vote);
                    }
                }
            }
        }

        return voted;
    }

    /// <summary>The classes after the change, how the data's labels map to them, and where each old class's votes go.</summary>
    private sealed record ChangePlan(
        IReadOnlyList<ClassSpec> Classes,
        IReadOnlyList<string> DataClasses,
        int[] ProgramMap,
        IReadOnlyList<(string From, string To)> Renames,
        HashSet<int> Fresh,
        IReadOnlyList<string> UnlabeledGold);

    private static ChangePlan Plan(TaskSpec spec, ClassEdit edit)
    {
        var old = spec.Classes;
        var mapping = ClassMapping.Of(spec);
        var dataClasses = mapping?.DataClasses ?? spec.ClassNames;

        // The data labels each class is gold for now: from the mapping, or its own name where the data are unchanged.
        var goldOf = old.Select((c, k) => mapping is null
            ? new List<string> { dataClasses[k] }
            : [.. mapping.DataToSpec.Select((s, d) => (s, d)).Where(p => p.s == k).Select(p => dataClasses[p.d])]).ToList();

        int Find(string name) => IndexOf(old, name) is var k and >= 0 ? k
            : throw new UserError($"there is no class '{name}'; the classes are {string.Join(", ", spec.ClassNames)}", spec.SpecFile);
        void RequireNew(string name, params int[] replacing)
        {
            if (string.IsNullOrWhiteSpace(name) || name != name.Trim())
            {
                throw new UserError($"'{name}' is not a class name: give a name without leading or trailing spaces", spec.SpecFile);
            }

            // A class name is written into program comments: a line break there would make the rest of it code.
            if (name.Any(char.IsControl) || name.Any(c => c is '\u2028' or '\u2029'))
            {
                throw new UserError($"'{ProgramFile.Printable(name)}' is not a class name: it holds a line break or another control character", spec.SpecFile);
            }

            if (IndexOf(old, name) is var k and >= 0 && !replacing.Contains(k))
            {
                throw new UserError($"there is a class '{old[k].Name}' already", spec.SpecFile);
            }
        }

        var classes = new List<(ClassSpec Class, List<string> Gold)>();
        var programMap = new int[old.Count];
        var renames = new List<(string, string)>();
        var fresh = new HashSet<int>();
        var unlabeled = new List<string>();
        switch (edit)
        {
            case RenameClass rename:
                {
                    var k = Find(rename.From);
                    RequireNew(rename.To, k);
                    classes.AddRange(old.Select((c, i) => (i == k ? c with { Name = rename.To } : c, goldOf[i])));
                    programMap = [.. Enumerable.Range(0, old.Count)];
                    renames.Add((old[k].Name, rename.To));
                    break;
                }

            case AddClass add:
                RequireNew(add.Name);
                classes.AddRange(old.Select((c, i) => (c, goldOf[i])));
                classes.Add((new ClassSpec(add.Name, add.Description), []));
                programMap = [.. Enumerable.Range(0, old.Count)];
                fresh.Add(old.Count);
                break;

            case RemoveClass remove:
                {
                    var k = Find(remove.Name);
                    if (old.Count <= 2)
                    {
                        throw new UserError($"a task needs two classes; removing {old[k].Name} would leave one", spec.SpecFile);
                    }

                    for (var i = 0; i < old.Count; i++)
                    {
                        programMap[i] = i == k ? -1 : classes.Count;
                        if (i != k)
                        {
                            classes.Add((old[i], goldOf[i]));
                        }
                    }

                    unlabeled.AddRange(goldOf[k]);
                    break;
                }

            case MergeClasses merge:
                {
                    var members = merge.Names.Select(Find).Distinct().Order().ToArray();
                    if (members.Length < 2)
                    {
                        throw new UserError("a merge needs two or more different classes", spec.SpecFile);
                    }

                    RequireNew(merge.Into, members);
                    if (old.Count - members.Length + 1 < 2)
                    {
                        throw new UserError($"a task needs two classes; merging {string.Join(", ", merge.Names)} would leave one", spec.SpecFile);
                    }

                    var joined = string.Join(" ", members.Select(m => old[m].Description).OfType<string>());
                    var description = merge.Description ?? (joined.Length > 0 ? joined : null);
                    for (var i = 0; i < old.Count; i++)
                    {
                        if (i == members[0])
                        {
                            programMap[i] = classes.Count;
                            classes.Add((new ClassSpec(merge.Into, description), [.. members.SelectMany(m => goldOf[m])]));
                        }
                        else if (members.Contains(i))
                        {
                            programMap[i] = classes.FindIndex(c => c.Class.Name == merge.Into);
                        }
                        else
                        {
                            programMap[i] = classes.Count;
                            classes.Add((old[i], goldOf[i]));
                        }
                    }

                    foreach (var m in members.Where(m => old[m].Name != merge.Into))
                    {
                        renames.Add((old[m].Name, merge.Into));
                    }

                    break;
                }

            case SplitClass split:
                {
                    var k = Find(split.Name);
                    if (split.Into.Count < 2 || split.Into.Distinct(StringComparer.OrdinalIgnoreCase).Count() != split.Into.Count)
                    {
                        throw new UserError("a split needs two or more different new names", spec.SpecFile);
                    }

                    foreach (var part in split.Into)
                    {
                        RequireNew(part, k);
                    }

                    classes.AddRange(old.Select((c, i) => (i == k ? new ClassSpec(split.Into[0]) : c, i == k ? [] : goldOf[i])));
                    fresh.Add(k);
                    foreach (var part in split.Into.Skip(1))
                    {
                        fresh.Add(classes.Count);
                        classes.Add((new ClassSpec(part), []));
                    }

                    programMap = [.. Enumerable.Range(0, old.Count).Select(i => i == k ? -1 : i)];
                    unlabeled.AddRange(goldOf[k]);
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(edit), edit, "not a class change");
        }

        if (classes.Count > sbyte.MaxValue)
        {
            throw new UserError($"at most {sbyte.MaxValue} classes are supported", spec.SpecFile);
        }

        return new ChangePlan(
            [.. classes.Select(c => c.Class with { DataLabels = c.Gold })],
            dataClasses,
            programMap,
            renames,
            fresh,
            unlabeled);
    }

    private static int IndexOf(IReadOnlyList<ClassSpec> classes, string name)
    {
        for (var k = 0; k < classes.Count; k++)
        {
            if (string.Equals(classes[k].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return k;
            }
        }

        return -1;
    }
}
