// Attempts: derives from a library collection to reach its protected and internal state.
// expect: verify "derives from"

using System.Collections.Generic;

sealed class Bag : List<string>
{
}

public static int Label(string text) => new Bag { text }.Count;
