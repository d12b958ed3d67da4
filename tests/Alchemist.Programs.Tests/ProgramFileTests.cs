using Xunit;

namespace Alchemist.Programs.Tests;

public sealed class ProgramFileTests
{
    private static readonly DateTimeOffset When = new(2026, 11, 27, 10, 20, 0, TimeSpan.Zero);

    [Fact]
    public void RendersAndParsesAnLlmProvenanceHeader()
    {
        var provenance = new ProgramProvenance
        {
            Kind = ProgramAuthorKind.Llm,
            Provider = "anthropic",
            Model = "claude-sonnet-4-5",
            PromptHash = "3f2a9c",
            PromptTokens = 1450,
            CompletionTokens = 610,
            CostUsd = 0.0134m,
            Created = When,
        };
        var file = new ProgramFile("spam_links", provenance, "public static int Label(string text) => text.Contains(\"http\") ? 1 : -1;\r\n");
        var text = file.Render();
        Assert.StartsWith("// alchemist-program: spam_links\n// author: llm anthropic/claude-sonnet-4-5\n", text, StringComparison.Ordinal);

        var parsed = ProgramFile.Parse(text, "spam_links");
        Assert.Equal(provenance, parsed.Provenance);
        Assert.Equal(file.Source, parsed.Source);
        Assert.Equal(file.SourceHash, parsed.SourceHash);
        Assert.Equal(file.HeaderLines, text.Split('\n').TakeWhile(l => l.StartsWith("//", StringComparison.Ordinal)).Count() + 1);
    }

    [Theory]
    [InlineData(ProgramAuthorKind.Synthesizer, "keyword-mining")]
    [InlineData(ProgramAuthorKind.Person, "Ada Lovelace")]
    [InlineData(ProgramAuthorKind.Person, null)]
    public void RoundTripsOtherAuthors(ProgramAuthorKind kind, string? name)
    {
        var provenance = new ProgramProvenance { Kind = kind, AuthorName = name, Created = When };
        var parsed = ProgramFile.Parse(new ProgramFile("p", provenance, "int x;").Render(), "p");
        Assert.Equal(provenance, parsed.Provenance);
    }

    [Fact]
    public void SavesAndLoadsAFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "alchemist-programs-" + Guid.NewGuid().ToString("N"));
        try
        {
            new ProgramFile("b", ProgramProvenance.ByPerson("me", When), "public static int Label(string text) => 0;").Save(folder);
            new ProgramFile("a", ProgramProvenance.ByPerson("me", When), "public static int Label(string text) => 1;").Save(folder);
            var loaded = ProgramFile.LoadFolder(folder);
            Assert.Equal(["a", "b"], loaded.Select(p => p.Name));
            Assert.Equal("me", loaded[0].Provenance.AuthorName);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AFileWithoutHeaderIsAPersonsProgram()
    {
        var parsed = ProgramFile.Parse("// just a comment\npublic static int Label(string text) => 0;\n", "hand");
        Assert.Equal(ProgramAuthorKind.Person, parsed.Provenance.Kind);
        Assert.Contains("// just a comment", parsed.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void AMalformedHeaderNamesTheFileAndLine()
    {
        const string text = "// alchemist-program: p\n// author: llm anthropic/claude\n// tokens: many\n\nint x;";
        var error = Assert.Throws<FormatException>(() => ProgramFile.Parse(text, "p", "programs/p.cs"));
        Assert.Contains("programs/p.cs: line 3", error.Message, StringComparison.Ordinal);

        var noAuthor = Assert.Throws<FormatException>(() => ProgramFile.Parse("// alchemist-program: p\n// created: 2026-01-01\n", "p"));
        Assert.Contains("author", noAuthor.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsNamesThatAreNotFileAndColumnNames()
    {
        Assert.Throws<ArgumentException>(() => new ProgramFile("../evil", ProgramProvenance.ByPerson(null, When), "int x;"));
    }

    [Fact]
    public void A_folder_with_one_malformed_header_loads_the_others_when_asked_to_collect_it()
    {
        var folder = Directory.CreateTempSubdirectory("alchemist-programs-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "good.cs"), "public static int Label(string text) => -1;\n");
            File.WriteAllText(Path.Combine(folder, "bad.cs"), "// alchemist-program: bad\n// no colon here\npublic static int Label(string text) => 1;\n");

            var unreadable = new List<(string Name, string Error)>();
            var loaded = ProgramFile.LoadFolder(folder, unreadable);

            Assert.Equal(["good"], loaded.Select(p => p.Name));
            var (name, error) = Assert.Single(unreadable);
            Assert.Equal("bad", name);
            Assert.Contains("bad.cs: line 2:", error, StringComparison.Ordinal);
            Assert.Throws<FormatException>(() => ProgramFile.LoadFolder(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Red-team finding: one odd file name (a.b.cs, a space, over 100 characters, non-ASCII) failed the whole apply. Now
    /// each odd file is rejected with its path and the others load; an empty file or a FIFO is never opened (reading a FIFO
    /// blocks for ever) and a file over the size limit is never read.
    /// </summary>
    [Fact]
    public void Odd_empty_special_and_oversized_files_are_each_rejected_with_their_path_and_the_others_load()
    {
        var folder = Directory.CreateTempSubdirectory("alchemist-programs-").FullName;
        try
        {
            const string Program = "public static int Label(string text) => -1;\n";
            File.WriteAllText(Path.Combine(folder, "good.cs"), Program);
            string[] oddNames = ["a.b", "with space", "été_ü", new string('a', 150)];
            foreach (var name in oddNames)
            {
                File.WriteAllText(Path.Combine(folder, name + ".cs"), Program);
            }

            File.WriteAllText(Path.Combine(folder, "empty.cs"), "");
            using (var large = File.Create(Path.Combine(folder, "large.cs")))
            {
                large.SetLength(3L << 20); // sparse: 3 MiB that take no disk and, refused, are never read
            }

            Directory.CreateDirectory(Path.Combine(folder, "folder.cs"));
            var fifo = Path.Combine(folder, "fifo.cs");
            var madeFifo = OperatingSystem.IsLinux() && System.Diagnostics.Process.Start("mkfifo", fifo) is { } mkfifo && mkfifo.WaitForExit(10_000) && mkfifo.ExitCode == 0;

            var unreadable = new List<(string Name, string Error)>();
            var loaded = ProgramFile.LoadFolder(folder, unreadable, maxBytes: 1 << 20);

            Assert.Equal(["good"], loaded.Select(p => p.Name));
            var reasons = unreadable.ToDictionary(u => u.Name, u => u.Error);
            foreach (var name in oddNames)
            {
                Assert.Contains("cannot name a program", reasons[ProgramFile.Printable(name)], StringComparison.Ordinal);
            }

            Assert.Contains("empty.cs: the file is empty", reasons["empty"], StringComparison.Ordinal);
            Assert.Contains("more than the 1,048,576 a program may have", reasons["large"], StringComparison.Ordinal);
            Assert.Contains("it was not read", reasons["large"], StringComparison.Ordinal);
            Assert.False(reasons.ContainsKey("folder"), "a folder named folder.cs is not a program file");
            if (madeFifo)
            {
                Assert.Contains("not a regular file", reasons["fifo"], StringComparison.Ordinal);
            }

            Assert.Equal(oddNames.Length + 2 + (madeFifo ? 1 : 0), unreadable.Count);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
