using Alchemist.Spec;

namespace Alchemist;

/// <summary>
/// Where everything of a project lives, in one place: the spec, the program files (with rejected replies beside them), the
/// state folder (LLM call cache and ledger, program columns and vote matrices, exchange files, run state and lock, the
/// staged outputs) and the outputs a run publishes.
/// </summary>
public sealed record ProjectLayout(string Root)
{
    /// <summary>Folder under the project root that holds the program files.</summary>
    public const string ProgramsFolderName = "programs";

    /// <summary>Folder under the project root that holds the tool's state: caches, votes, ledger, run state and lock.</summary>
    public const string StateFolderName = ".alchemist";

    /// <summary>Folder under the project root where a run publishes its outputs.</summary>
    public const string OutputFolderName = "out";

    /// <summary>Folder under the outputs that holds the end model.</summary>
    public const string EndModelFolderName = "model";

    /// <summary>The task spec, alchemist.yaml at the project root.</summary>
    public string SpecFile => Path.Combine(Root, TaskSpec.FileName);

    /// <summary>The program files, one per labeling program.</summary>
    public string ProgramsFolder => Path.Combine(Root, ProgramsFolderName);

    /// <summary>Programs taken out of the vote (by a person, or because their classes were removed), out of the apply's reach.</summary>
    public string DisabledProgramsFolder => Path.Combine(ProgramsFolder, "disabled");

    /// <summary>Earlier versions of a program, one file per change, named by the time it was replaced.</summary>
    public string HistoryFolder(string programName) => Path.Combine(StateFolder, "history", programName);

    /// <summary>Texts a person wrote that did not compile, kept until a save succeeds.</summary>
    public string DraftsFolder => Path.Combine(StateFolder, "drafts");

    /// <summary>One note per program the synthesizer rejected: the reason and the replies it was given.</summary>
    public string RejectedFolder => Path.Combine(ProgramsFolder, "rejected");

    /// <summary>The tool's state between commands (.alchemist).</summary>
    public string StateFolder => Path.Combine(Root, StateFolderName);

    /// <summary>LLM calls, content-addressed; its subfolders keep program columns (columns) and the run's stage results (offline-folds, end-models).</summary>
    public string CacheFolder => Path.Combine(StateFolder, "cache");

    /// <summary>Program vote columns, per program and data.</summary>
    public string ColumnCacheFolder => Path.Combine(CacheFolder, "columns");

    /// <summary>
    /// Shard outputs of a cluster's silos (<c>cluster/&lt;program set&gt;/&lt;data&gt;/&lt;split&gt;-&lt;first row&gt;-&lt;rows&gt;.shard</c>),
    /// kept until the driver has put them together into the column cache.
    /// </summary>
    public string ClusterFolder => Path.Combine(StateFolder, "cluster");

    /// <summary>Vote matrices of the current programs, one per split.</summary>
    public string VotesFolder => Path.Combine(StateFolder, "votes");

    /// <summary>One JSON line per LLM call made, with its tokens and cost.</summary>
    public string LedgerPath => Path.Combine(StateFolder, "ledger.jsonl");

    /// <summary>Prompt and reply files of the exchange provider, which hands each call to a person or another tool.</summary>
    public string ExchangeFolder => Path.Combine(StateFolder, "exchange");

    /// <summary>
    /// What the last run was given (a fingerprint of spec, data and programs), so that an unchanged project is not run again.
    /// </summary>
    public string RunStatePath => Path.Combine(StateFolder, "run.json");

    internal string LockPath => Path.Combine(StateFolder, "run.lock");

    /// <summary>The outputs of the last run, replaced as one set by the next.</summary>
    public string OutputFolder => Path.Combine(Root, OutputFolderName);

    /// <summary>The end model of the last run, which `predict` labels new rows with.</summary>
    public string EndModelFolder => Path.Combine(OutputFolder, EndModelFolderName);

    /// <summary>Where a run writes its outputs before they replace <see cref="OutputFolder"/> as one set.</summary>
    public string StagingFolder => Path.Combine(StateFolder, "out-next");

    /// <summary>Where the previous outputs wait while the new set moves in.</summary>
    public string PreviousOutputFolder => Path.Combine(StateFolder, "out-previous");
}
