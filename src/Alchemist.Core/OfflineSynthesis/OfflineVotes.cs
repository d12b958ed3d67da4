using Alchemist.Labeling;

namespace Alchemist.OfflineSynthesis;

/// <summary>The offline synthesizer's text programs evaluated in process, exactly as their written source votes.</summary>
public static class OfflineVotes
{
    /// <summary>The votes with one more column per program (named <paramref name="namePrefix"/> + its name), evaluated on the rows' texts and tokens.</summary>
    public static LabelMatrix Append(LabelMatrix votes, string[] texts, string[][] tokens, IReadOnlyList<OfflineProgram> programs, string namePrefix = "")
    {
        var names = votes.ProgramNames.Concat(programs.Select(p => namePrefix + p.Name)).ToArray();
        var matrix = new LabelMatrix(votes.Rows, votes.Classes, names);
        for (var j = 0; j < votes.Programs; j++)
        {
            votes.Column(j).CopyTo(matrix.ColumnForWriting(j));
        }

        // One program per core: each writes only its own column. The offline cross-fit evaluates five folds' programs over
        // the train sample this way, and one after another that was 17 of a 1M-row run's 137 s on 2 cores.
        Parallel.For(0, programs.Count, k =>
        {
            var matcher = new RuleMatcher(programs[k].Rules);
            var column = matrix.ColumnArray(votes.Programs + k);
            var vote = (sbyte)programs[k].Class;
            for (var r = 0; r < texts.Length; r++)
            {
                if (matcher.Fires(texts[r], tokens[r]))
                {
                    column[r] = vote;
                }
            }
        });

        return matrix;
    }
}
