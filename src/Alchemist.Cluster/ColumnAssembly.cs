using System.Globalization;
using Alchemist.Programs.Apply;

namespace Alchemist.Cluster;

/// <summary>A program's whole column put together from its shards, or why the local apply computes it instead.</summary>
/// <param name="Name">The program's name.</param>
/// <param name="ContentHash">Its content hash.</param>
/// <param name="Column">The column for the column cache; null when <paramref name="LeftToLocal"/> says why not.</param>
/// <param name="LeftToLocal">Why the program is left to the local apply; null when it has a column.</param>
public sealed record AssembledColumn(string Name, string ContentHash, CachedColumn? Column, string? LeftToLocal);

/// <summary>
/// Puts each program's column together from the shards in row order: votes concatenated, errors and budget violations
/// summed, the first fault the earliest row's, time summed. A program gets a column only where the one-machine apply, reading
/// the rows in file order, would have kept it too: kept on every shard, and never over the fault share at any point of the
/// way. The apply disables a program as soon as its faults so far exceed the share (after a minimum of rows), and a shard only
/// sees its own rows; so for each shard after the first the driver bounds the share the apply would see inside it from above,
/// as if all of the shard's faults came first, and a program over the bound is left to the local apply, which then decides
/// as it always does. The first shard's own judgement is the apply's: the same rows from the same start.
/// </summary>
public static class ColumnAssembly
{
    /// <summary>Every program of the shards' program set, in the order of the first shard.</summary>
    /// <param name="shards">Every shard's output, covering rows 0 to <paramref name="rows"/> - 1 exactly once (any order).</param>
    /// <param name="rows">Rows in the split.</param>
    /// <param name="maxFaultShare">The largest share of faults a kept program may have (<see cref="ApplyOptions.MaxFaultShare"/>).</param>
    /// <param name="minRowsBeforeDisabling">Rows the apply reads before it judges the share (<see cref="ApplyOptions.MinRowsBeforeDisabling"/>).</param>
    /// <exception cref="ArgumentException">The shards do not cover the rows exactly, or are not of one program set.</exception>
    public static IReadOnlyList<AssembledColumn> Assemble(IReadOnlyList<ShardOutput> shards, long rows, double maxFaultShare, int minRowsBeforeDisabling)
    {
        var ordered = shards.OrderBy(s => s.Range.First).ToList();
        long next = 0;
        foreach (var shard in ordered)
        {
            if (shard.Range.First != next)
            {
                throw new ArgumentException($"the shards leave out or repeat rows at row {next}", nameof(shards));
            }

            next = shard.Range.End;
        }

        if (next != rows || rows > Array.MaxLength)
        {
            throw new ArgumentException($"the shards cover {next} rows, not the split's {rows}", nameof(shards));
        }

        if (ordered.Count == 0)
        {
            return [];
        }

        var programs = ordered[0].Programs;
        if (ordered.Any(s => s.ProgramSetHash != ordered[0].ProgramSetHash || s.Programs.Count != programs.Count))
        {
            throw new ArgumentException("the shards are not of one program set", nameof(shards));
        }

        return [.. programs.Select((p, j) => AssembleOne(ordered, j, p.Name, p.ContentHash, rows, maxFaultShare, minRowsBeforeDisabling))];
    }

    private static AssembledColumn AssembleOne(List<ShardOutput> shards, int j, string name, string contentHash, long rows, double maxFaultShare, int minRowsBeforeDisabling)
    {
        AssembledColumn Left(string reason) => new(name, contentHash, null, reason);
        long faultsBefore = 0;
        foreach (var shard in shards)
        {
            var part = shard.Programs[j];
            if (part.Name != name || part.ContentHash != contentHash)
            {
                throw new ArgumentException($"shard {shard.Range} has {part.Name} where the first has {name}", nameof(shards));
            }

            if (part.Status != ShardProgramStatus.Ok)
            {
                return Left($"{(part.Status == ShardProgramStatus.Rejected ? "rejected" : "disabled")} on {shard.Range}: {part.Reason}");
            }

            if (part.Faults > 0 && shard.Range.First > 0)
            {
                // The most the apply's running share can reach inside this shard: every fault of the shard on its first rows.
                var bound = (double)(faultsBefore + part.Faults) / Math.Max(shard.Range.First + part.Faults, minRowsBeforeDisabling);
                if (bound > maxFaultShare)
                {
                    return Left(string.Create(CultureInfo.InvariantCulture,
                        $"{faultsBefore + part.Faults} faults by the end of {shard.Range} could reach {bound:P1} of the rows read so far, above the allowed {maxFaultShare:P1}, if they came first"));
                }
            }

            faultsBefore += part.Faults;
        }

        var votes = GC.AllocateUninitializedArray<sbyte>((int)rows);
        int errors = 0, budget = 0;
        long firstFaultRow = -1;
        string? firstFault = null;
        var time = TimeSpan.Zero;
        foreach (var shard in shards)
        {
            var part = shard.Programs[j];
            part.Votes.AsSpan().CopyTo(votes.AsSpan((int)shard.Range.First));
            errors += part.Errors;
            budget += part.BudgetExceeded;
            time += part.Time;
            if (firstFault is null && part.FirstFault is not null)
            {
                firstFault = part.FirstFault;
                firstFaultRow = part.FirstFaultRow;
            }
        }

        return new AssembledColumn(name, contentHash, new CachedColumn(votes, errors, budget, firstFaultRow, firstFault, time), null);
    }
}
