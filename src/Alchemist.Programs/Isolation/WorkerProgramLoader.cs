using Alchemist.Programs.Apply;
using Alchemist.Programs.Compilation;
using Alchemist.Programs.Loading;
using Alchemist.Programs.Runtime;
using Alchemist.Spec;

namespace Alchemist.Programs.Isolation;

/// <summary>
/// Turns a <see cref="WorkerProgramImage"/> back into a runnable program inside a worker process. The image carries the
/// instrumented assembly and everything its invoker needs (signature, budgets), so the worker never touches Roslyn.
/// </summary>
internal static class WorkerProgramLoader
{
    public const string CompiledProgramKind = "compiled-program-v1";

    public static byte[] Encode(CompiledProgram program, ProgramBudgets budgets) =>
        Encode(program.Name, program.EntryTypeName, program.Signature, program.Image, budgets);

    /// <summary>Encodes an assembly image whose <paramref name="entryTypeName"/> has the entry method the loader expects.</summary>
    public static byte[] Encode(string name, string entryTypeName, ProgramSignature signature, byte[] image, ProgramBudgets budgets)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            writer.Write(name);
            writer.Write(entryTypeName);
            WriteSignature(writer, signature);
            writer.Write(budgets.MaxStepsPerCall);
            writer.Write(budgets.MaxTimePerCall.Ticks);
            writer.Write(budgets.MaxAllocatedBytesPerCall);
            writer.Write(budgets.MaxStackBytes);
            writer.Write(budgets.RegexMatchTimeout.Ticks);
            writer.Write(budgets.CheckInterval);
            writer.Write(budgets.MaxErrorShare);
            writer.Write(budgets.MinRowsBeforeDisabling);
            writer.Write(image.Length);
            writer.Write(image);
        }

        return buffer.ToArray();
    }

    /// <summary>A task signature (fields with their kinds, then class names), as workers and the compiler process read it.</summary>
    internal static void WriteSignature(BinaryWriter writer, ProgramSignature signature)
    {
        writer.Write(signature.Fields.Count);
        foreach (var field in signature.Fields)
        {
            writer.Write(field.Name);
            writer.Write((byte)field.Type);
        }

        writer.Write(signature.ClassNames.Count);
        foreach (var className in signature.ClassNames)
        {
            writer.Write(className);
        }
    }

    internal static ProgramSignature ReadSignature(BinaryReader reader)
    {
        var fields = new InputField[reader.ReadInt32()];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = new InputField(reader.ReadString(), (InputType)reader.ReadByte());
        }

        var classes = new string[reader.ReadInt32()];
        for (var i = 0; i < classes.Length; i++)
        {
            classes[i] = reader.ReadString();
        }

        return new ProgramSignature(fields, classes);
    }

    public static IBatchLabeler Load(string kind, string name, byte[] payload)
    {
        if (kind != CompiledProgramKind)
        {
            throw new NotSupportedException($"unknown program image kind '{kind}' for '{name}'");
        }

        using var reader = new BinaryReader(new MemoryStream(payload, writable: false));
        var programName = reader.ReadString();
        var entryType = reader.ReadString();
        var signature = ReadSignature(reader);
        var budgets = new ProgramBudgets
        {
            MaxStepsPerCall = reader.ReadInt64(),
            MaxTimePerCall = TimeSpan.FromTicks(reader.ReadInt64()),
            MaxAllocatedBytesPerCall = reader.ReadInt64(),
            MaxStackBytes = reader.ReadInt32(),
            RegexMatchTimeout = TimeSpan.FromTicks(reader.ReadInt64()),
            CheckInterval = reader.ReadInt32(),
            MaxErrorShare = reader.ReadDouble(),
            MinRowsBeforeDisabling = reader.ReadInt32(),
        };
        var image = reader.ReadBytes(reader.ReadInt32());

        // The worker lives as long as the apply; the program's code goes with the process (and, staying loaded, tiers up).
        var loaded = LoadedProgram.FromImage(programName, image, entryType, signature, unloadable: false);
        return new InvokerLabeler(loaded.CreateInvoker(budgets), loaded);
    }
}
