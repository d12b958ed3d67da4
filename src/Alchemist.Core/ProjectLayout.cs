using Alchemist.Spec;

namespace Alchemist;

/// <summary>
/// Where everything of a project lives, in one place: the spec, the program files (with rejected replies beside them), the
/// state folder (LLM call cache and ledger, program columns and vote matrices, exchange files, run state and lock, the
/// staged outputs) and the outputs a run publishes.
/// </summary>
public sealed record ProjectLayout(string Root)
{
    public const string ProgramsFolderName = "programs";
    public const string StateFolderName = ".alchemist";
    public const string OutputFolderName = "out";
    public const string EndModelFolderName = "model";

    public string SpecFile => Path.Combine(Root, TaskSpec.FileName);

    public string ProgramsFolder => Path.Combine(Root, ProgramsFolderName);

    public string RejectedFolder => Path.Combine(ProgramsFolder, "rejected");

    public string StateFolder => Path.Combine(Root, StateFolderName);

    /// <summary>LLM calls, content-addressed.</summary>
    public string CacheFolder => Path.Combine(StateFolder, "cache");

    /// <summary>Program vote columns, per program and data.</summary>
    public string ColumnCacheFolder => Path.Combine(CacheFolder, "columns");

    public string VotesFolder => Path.Combine(StateFolder, "votes");

    public string LedgerPath => Path.Combine(StateFolder, "ledger.jsonl");

    public string ExchangeFolder => Path.Combine(StateFolder, "exchange");

    public string RunStatePath => Path.Combine(StateFolder, "run.json");

    public string LockPath => Path.Combine(StateFolder, "run.lock");

    public string OutputFolder => Path.Combine(Root, OutputFolderName);

    /// <summary>The end model of the last run, which `predict` labels new rows with.</summary>
    public string EndModelFolder => Path.Combine(OutputFolder, EndModelFolderName);

    /// <summary>Where a run writes its outputs before they replace <see cref="OutputFolder"/> as one set.</summary>
    public string StagingFolder => Path.Combine(StateFolder, "out-next");

    /// <summary>Where the previous outputs wait while the new set moves in.</summary>
    public string PreviousOutputFolder => Path.Combine(StateFolder, "out-previous");
}
