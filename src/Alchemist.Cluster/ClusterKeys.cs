using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Alchemist.Cluster;

/// <summary>
/// The names a shard goes by: the program set's hash, the grain key (so that a retried shard is the same grain) and the path
/// of its output file in the project, all functions of the program set, the data, the split and the rows.
/// </summary>
public static class ClusterKeys
{
    /// <summary>
    /// The hash of a set of programs (names and content hashes, order ignored): a shard's output is a function of it and of
    /// the shard's rows.
    /// </summary>
    public static string ProgramSetHash(IEnumerable<(string Name, string ContentHash)> programs) =>
        Hex(string.Join('\n', programs.Select(p => $"{p.Name}\t{p.ContentHash}").Order(StringComparer.Ordinal)));

    /// <summary>The key of the grain that labels <paramref name="range"/> of <paramref name="split"/>.</summary>
    public static string GrainKey(string programSetHash, string dataHash, string split, ShardRange range) =>
        string.Create(CultureInfo.InvariantCulture, $"{programSetHash}/{Hex(dataHash)}/{split}/{range.First}+{range.Count}");

    /// <summary>
    /// The folder of the shard files of one program set over one split's data:
    /// <c>.alchemist/cluster/&lt;program set&gt;/&lt;data&gt;</c>.
    /// </summary>
    public static string ShardFolder(string projectDirectory, string programSetHash, string dataHash) =>
        Path.Combine(new ProjectLayout(projectDirectory).ClusterFolder, programSetHash, Hex(dataHash));

    /// <summary>The shard file of <paramref name="range"/>: <c>&lt;split&gt;-&lt;first&gt;-&lt;count&gt;.shard</c> in <see cref="ShardFolder"/>.</summary>
    public static string ShardPath(string projectDirectory, string programSetHash, string dataHash, string split, ShardRange range) =>
        Path.Combine(ShardFolder(projectDirectory, programSetHash, dataHash), string.Create(CultureInfo.InvariantCulture, $"{split}-{range.First}-{range.Count}{ShardFile.Extension}"));

    /// <summary>40 hex digits of the SHA-256 of <paramref name="text"/>: a data hash may hold characters a file name may not.</summary>
    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 20));
}
