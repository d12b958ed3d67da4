using Alchemist.Spec;

namespace Alchemist.Pipeline;

/// <summary>
/// Computes the train columns of a project's programs elsewhere (a cluster's silos) and stores them in the project's column
/// cache before <see cref="RunPipeline"/> applies the programs: the apply then reads them back as cached columns, so nothing
/// after it changes and the labels are those of a one-machine run.
/// </summary>
public interface IRemoteApply
{
    /// <summary>
    /// Fills the column cache with the train column of every program of <paramref name="spec"/>'s project that has none yet;
    /// what it cannot compute (a program disabled on some rows, say) it leaves to the local apply.
    /// </summary>
    /// <param name="spec">The task, with its project folder.</param>
    /// <param name="trainRows">Rows in the train split, as the run counted them.</param>
    /// <param name="log">Takes the lines the run logs (shards, silos, retries).</param>
    /// <param name="progress">Hears how many train rows are done; null for none.</param>
    /// <param name="cancellation">Stops the work.</param>
    Task ApplyAsync(TaskSpec spec, long trainRows, Action<string> log, IProgress<StageProgress>? progress, CancellationToken cancellation);
}
