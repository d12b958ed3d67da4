using Orleans;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Alchemist.Cluster;

/// <summary>A program the driver asks a shard for, by name and by the content hash it expects the silo to find.</summary>
/// <param name="Name">The program file's name in the project's programs/ folder.</param>
/// <param name="ContentHash">Its content hash on the driver: compiled source, signature, sandbox build and budgets.</param>
[GenerateSerializer, Immutable]
public sealed record ShardProgramRef([property: Id(0)] string Name, [property: Id(1)] string ContentHash);

/// <summary>One shard's work: which project (on storage every silo reads), which rows of which split, which programs.</summary>
/// <param name="ProjectDirectory">The project folder, at the same path on every silo.</param>
/// <param name="Split">The split's name (train).</param>
/// <param name="FirstRow">The shard's first row in the split.</param>
/// <param name="RowCount">Rows in the shard.</param>
/// <param name="DataHash">The split's content hash as the driver computed it: the silo checks that it reads the same.</param>
/// <param name="ProgramSetHash">The hash of <paramref name="Programs"/> (<see cref="ClusterKeys.ProgramSetHash"/>).</param>
/// <param name="Programs">The programs to apply.</param>
/// <param name="TrustPrograms">The driver's <c>--trust-programs</c>, for specs that run programs in process.</param>
[GenerateSerializer, Immutable]
public sealed record ShardRequest(
    [property: Id(0)] string ProjectDirectory,
    [property: Id(1)] string Split,
    [property: Id(2)] long FirstRow,
    [property: Id(3)] int RowCount,
    [property: Id(4)] string DataHash,
    [property: Id(5)] string ProgramSetHash,
    [property: Id(6)] ShardProgramRef[] Programs,
    [property: Id(7)] bool TrustPrograms)
{
    /// <summary>The shard's rows.</summary>
    public ShardRange Range => new(FirstRow, RowCount);

    /// <summary>Where the silo writes the shard's output.</summary>
    public string OutputPath => ClusterKeys.ShardPath(ProjectDirectory, ProgramSetHash, DataHash, Split, Range);
}

/// <summary>What a shard grain did.</summary>
/// <param name="Error">
/// Why the shard could not be computed for reasons of its own (the data or programs the silo reads are not the driver's, the
/// file cannot be read); null when its output file is written. A program's own failure is not an error: it is in the output.
/// </param>
/// <param name="Reused">The output file was there already (a retried shard whose first try finished).</param>
/// <param name="Seconds">Seconds the silo spent on the shard.</param>
/// <param name="Silo">The silo that did it.</param>
/// <param name="SiloStopping">The silo is shutting down: the shard is for another silo, not an error of its own.</param>
[GenerateSerializer, Immutable]
public sealed record ShardReply(
    [property: Id(0)] string? Error,
    [property: Id(1)] bool Reused,
    [property: Id(2)] double Seconds,
    [property: Id(3)] string Silo,
    [property: Id(4)] bool SiloStopping = false);

/// <summary>
/// The grain that applies a program set to one shard; its key names the program set, the data, the split and the rows
/// (<see cref="ClusterKeys.GrainKey"/>), so a retried shard is the same grain, activated again on a live silo.
/// </summary>
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>The silo this activation lives on, so the driver can tell when that silo leaves the cluster.</summary>
    Task<SiloAddress> Host();

    /// <summary>
    /// Applies the programs to the shard's rows in the silo's sandboxed workers and writes the output file; returns at once
    /// when the file is already there. Cancelled when the driver gives up on the call.
    /// </summary>
    [ResponseTimeout("7.00:00:00")]
    Task<ShardReply> Apply(ShardRequest request, CancellationToken cancellation);
}
