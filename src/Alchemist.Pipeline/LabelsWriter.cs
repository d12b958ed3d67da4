using System.Globalization;
using System.Text;
using System.Text.Json;
using Alchemist.Labeling;

namespace Alchemist.Pipeline;

/// <summary>Writes the final labels of every row as CSV and JSONL: split, row id, label, per-class probabilities, and the programs that voted.</summary>
internal static class LabelsWriter
{
    public sealed record SplitLabels(string Split, IReadOnlyList<string> RowIds, float[] Probabilities, int[] Labels, LabelMatrix Votes);

    public static void Write(string csvPath, string jsonlPath, IReadOnlyList<string> classNames, IEnumerable<SplitLabels> splits)
    {
        AtomicFile.WriteText(csvPath, csv => AtomicFile.WriteText(jsonlPath, jsonl => Write(csv, jsonl, classNames, splits)));
    }

    private static void Write(TextWriter csv, TextWriter jsonl, IReadOnlyList<string> classNames, IEnumerable<SplitLabels> splits)
    {
        var classes = classNames.Count;
        csv.Write("split,id,label");
        foreach (var name in classNames)
        {
            csv.Write(',');
            csv.Write(Csv("p_" + name));
        }

        csv.Write(",votes\n");
        var buffer = new MemoryStream();
        foreach (var split in splits)
        {
            for (var r = 0; r < split.RowIds.Count; r++)
            {
                var votes = new StringBuilder();
                for (var j = 0; j < split.Votes.Programs; j++)
                {
                    var vote = split.Votes[r, j];
                    if (vote != LabelMatrix.Abstain)
                    {
                        votes.Append(votes.Length == 0 ? "" : ";").Append(split.Votes.ProgramNames[j]).Append('=').Append(classNames[vote]);
                    }
                }

                csv.Write(split.Split);
                csv.Write(',');
                csv.Write(Csv(split.RowIds[r]));
                csv.Write(',');
                csv.Write(Csv(classNames[split.Labels[r]]));
                for (var c = 0; c < classes; c++)
                {
                    csv.Write(',');
                    csv.Write(split.Probabilities[(r * classes) + c].ToString("0.#####", CultureInfo.InvariantCulture));
                }

                csv.Write(',');
                csv.Write(Csv(votes.ToString()));
                csv.Write('\n');

                buffer.SetLength(0);
                using (var json = new Utf8JsonWriter(buffer))
                {
                    json.WriteStartObject();
                    json.WriteString("split", split.Split);
                    json.WriteString("id", split.RowIds[r]);
                    json.WriteString("label", classNames[split.Labels[r]]);
                    json.WriteStartObject("probabilities");
                    for (var c = 0; c < classes; c++)
                    {
                        json.WriteNumber(classNames[c], Math.Round(split.Probabilities[(r * classes) + c], 5));
                    }

                    json.WriteEndObject();
                    json.WriteStartObject("votes");
                    for (var j = 0; j < split.Votes.Programs; j++)
                    {
                        var vote = split.Votes[r, j];
                        if (vote != LabelMatrix.Abstain)
                        {
                            json.WriteString(split.Votes.ProgramNames[j], classNames[vote]);
                        }
                    }

                    json.WriteEndObject();
                    json.WriteEndObject();
                }

                jsonl.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                jsonl.Write('\n');
            }
        }
    }

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
