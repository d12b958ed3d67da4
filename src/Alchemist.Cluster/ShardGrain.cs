using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace Alchemist.Cluster;

/// <summary>
/// One shard's grain, placed on the silo with the fewest activations: it deactivates once its shard is done, so the count
/// is of the shards each silo is working on. The work runs on the thread pool, off the grain's scheduler.
/// </summary>
[ActivationCountBasedPlacement]
internal sealed class ShardGrain(ShardRunner runner, ILocalSiloDetails silo) : Grain, IShardGrain
{
    public Task<SiloAddress> Host() => Task.FromResult(silo.SiloAddress);

    public async Task<ShardReply> Apply(ShardRequest request, CancellationToken cancellation)
    {
        try
        {
            return await Task.Run(() => runner.Run(request, cancellation), cancellation).ConfigureAwait(true);
        }
        finally
        {
            DeactivateOnIdle();
        }
    }
}
