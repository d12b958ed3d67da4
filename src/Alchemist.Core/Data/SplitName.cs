namespace Alchemist.Data;

/// <summary>The names of a data set's splits, as files, vote matrices, labels and reports name them.</summary>
public static class SplitName
{
    /// <summary>The rows to label: programs vote on them, the label model fits on their votes (never their gold).</summary>
    public const string Train = "train";

    /// <summary>The labeled rows every choice is made on.</summary>
    public const string Valid = "valid";

    /// <summary>The rows that are only ever read to report figures.</summary>
    public const string Test = "test";

    /// <summary>The three split names in the order train, valid, test.</summary>
    public static IReadOnlyList<string> All { get; } = [Train, Valid, Test];
}
