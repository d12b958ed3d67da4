namespace Alchemist.Pipeline;

/// <summary>
/// How far one of a run's long stages has got, for a progress display: rows applied on a split, folds of a cross-fit done,
/// models trained. <see cref="Total"/> is null where it is not known ahead (the rows of a file being labeled).
/// </summary>
/// <param name="Stage">The stage, as a person reads it ("apply train", "end model cross-fit").</param>
/// <param name="Done">Units done so far.</param>
/// <param name="Total">Units in all, or null when not known.</param>
/// <param name="Unit">What is counted ("rows", "folds", "models").</param>
public readonly record struct StageProgress(string Stage, long Done, long? Total, string Unit);
