using Alchemist.Programs.Compilation;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// The compiler process (<c>alchemist-worker --compile</c>): Roslyn, the verifier and the rewriter run here, not in the
/// process that holds the user's keys and results, because a hostile source can overflow the compiler's stack or take
/// gigabytes. It has the same walls as a worker, a heap cap, and the engine kills it when a compile overruns its time.
/// </summary>
internal static class CompilerHost
{
    public static int Run(string socketPath)
    {
        using var stream = WalledProcessHost.ConnectBehindWalls(socketPath);
        var writer = new FrameWriter();

        var reader = new FrameReader(stream);
        var compilers = new Dictionary<string, ProgramCompiler>(StringComparer.Ordinal);
        while (reader.Next() is { } type)
        {
            if (type == WorkerProtocol.Quit)
            {
                break;
            }

            if (type != WorkerProtocol.Compile)
            {
                throw new InvalidDataException($"unknown message type {type} from the engine");
            }

            var request = CompileRequest.Read(reader);
            var key = request.Signature.Fingerprint() + "\n" + request.Limits.Fingerprint();
            if (!compilers.TryGetValue(key, out var compiler))
            {
                compilers[key] = compiler = new ProgramCompiler(request.Signature, request.Limits);
            }

            CompileResult result;
            try
            {
                result = request.Instrument ? compiler.Compile(request.Source, request.Name) : compiler.CompileWithoutBudgets(request.Source, request.Name);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A crash inside Roslyn or the rewriter is this program's problem; the process goes on with the next.
                result = new CompileResult(null, [new ProgramDiagnostic(DiagnosticStage.Internal, 0, 0, $"compiling it threw {e.GetType().Name}: {Bounded.Text(e.Message)}")], TimeSpan.Zero);
            }

            writer.Begin(WorkerProtocol.Compiled);
            writer.WriteLong(request.Id);
            writer.WriteLong(result.Elapsed.Ticks);
            writer.WriteInt(result.Diagnostics.Count);
            foreach (var diagnostic in result.Diagnostics)
            {
                writer.WriteByte((byte)diagnostic.Stage);
                writer.WriteInt(diagnostic.Line);
                writer.WriteInt(diagnostic.Column);
                writer.WriteString(Bounded.Text(diagnostic.Message));
            }

            writer.WriteBytes(result.Program?.Image ?? []);
            writer.WriteString(result.Program?.EntryTypeName);
            writer.SendTo(stream);
        }

        return 0;
    }
}

/// <summary>What the engine asks the compiler process to compile.</summary>
internal sealed record CompileRequest(long Id, string Name, string Source, bool Instrument, ProgramSignature Signature, SourceLimits Limits)
{
    public void Write(FrameWriter writer)
    {
        writer.Begin(WorkerProtocol.Compile);
        writer.WriteLong(Id);
        writer.WriteString(Name);
        writer.WriteString(Source);
        writer.WriteByte(Instrument ? (byte)1 : (byte)0);
        using (var signature = new MemoryStream())
        {
            using (var binary = new BinaryWriter(signature))
            {
                WorkerProgramLoader.WriteSignature(binary, Signature);
            }

            writer.WriteBytes(signature.ToArray());
        }

        writer.WriteLong(Limits.MaxBytes);
        writer.WriteInt(Limits.MaxNesting);
        writer.WriteInt(Limits.MaxSyntaxDepth);
    }

    public static CompileRequest Read(FrameReader reader)
    {
        var id = reader.ReadLong();
        var name = reader.ReadString() ?? "program";
        var source = reader.ReadString() ?? "";
        var instrument = reader.ReadByte() != 0;
        using var binary = new BinaryReader(new MemoryStream(reader.ReadBytes(), writable: false));
        var signature = WorkerProgramLoader.ReadSignature(binary);
        var limits = SourceLimits.Default with { MaxBytes = reader.ReadLong(), MaxNesting = reader.ReadInt(), MaxSyntaxDepth = reader.ReadInt() };
        return new CompileRequest(id, name, source, instrument, signature, limits);
    }
}
