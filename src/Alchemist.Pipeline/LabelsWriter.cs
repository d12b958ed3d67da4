using Alchemist.Labeling;

namespace Alchemist.Pipeline;

/// <summary>Writes the final labels of every row as CSV and JSONL: split, row id, label, per-class probabilities, and the programs that voted.</summary>
internal static class LabelsWriter
{
    public sealed record SplitLabels(string Split, IReadOnlyList<string> RowIds, float[] Probabilities, int[] Labels, LabelMatrix Votes);

    public static void Write(string csvPath, string jsonlPath, IReadOnlyList<string> classNames, IEnumerable<SplitLabels> splits)
    {
        AtomicFile.Write(csvPath, csv => AtomicFile.Write(jsonlPath, jsonl =>
        {
            using var csvRows = new LabelRowWriter(csv, LabelFileFormat.Csv, classNames, withSplit: true, withVotes: true);
            using var jsonlRows = new LabelRowWriter(jsonl, LabelFileFormat.Jsonl, classNames, withSplit: true, withVotes: true);
            var classes = classNames.Count;
            var votes = new List<(string Program, string Class)>();
            foreach (var split in splits)
            {
                for (var r = 0; r < split.RowIds.Count; r++)
                {
                    votes.Clear();
                    for (var j = 0; j < split.Votes.Programs; j++)
                    {
                        var vote = split.Votes[r, j];
                        if (vote != LabelMatrix.Abstain)
                        {
                            votes.Add((split.Votes.ProgramNames[j], classNames[vote]));
                        }
                    }

                    var probabilities = split.Probabilities.AsSpan(r * classes, classes);
                    csvRows.Write(split.Split, split.RowIds[r], split.Labels[r], probabilities, votes);
                    jsonlRows.Write(split.Split, split.RowIds[r], split.Labels[r], probabilities, votes);
                }
            }
        }));
    }
}
