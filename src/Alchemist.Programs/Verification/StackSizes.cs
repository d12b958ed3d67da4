using Microsoft.CodeAnalysis;

namespace Alchemist.Programs.Verification;

/// <summary>
/// How many bytes of stack a value of a type takes, estimated from the symbols alone: enough to refuse a struct of
/// structs or a tuple of tuples that would overflow the stack before any budget check runs. Roslyn sees the instance
/// fields of every struct, the library's included, so sizes add up field by field; a reference (and a ref field) is one
/// pointer. Sizes are remembered per type, since a tuple of eight tuples of eight ... names the same types many times.
/// </summary>
internal sealed class StackSizes
{
    /// <summary>The largest value (or stackalloc) a program may put on the stack: 64 KiB.</summary>
    public const long MaxValueBytes = 64 << 10;

    /// <summary>Sizes are capped here, so that no sum overflows.</summary>
    private const long Saturated = 1L << 40;

    private readonly Dictionary<ITypeSymbol, long> _known = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ITypeSymbol> _visiting = new(SymbolEqualityComparer.Default);

    public long Of(ITypeSymbol type)
    {
        if (!type.IsValueType || type is ITypeParameterSymbol)
        {
            return 8;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte:
                return 1;
            case SpecialType.System_Char or SpecialType.System_Int16 or SpecialType.System_UInt16:
                return 2;
            case SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single:
                return 4;
            case SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Double or SpecialType.System_IntPtr
                or SpecialType.System_UIntPtr or SpecialType.System_DateTime:
                return 8;
            case SpecialType.System_Decimal:
                return 16;
        }

        if (type.TypeKind == TypeKind.Enum)
        {
            return 8;
        }

        if (_known.TryGetValue(type, out var known))
        {
            return known;
        }

        if (!_visiting.Add(type))
        {
            return 0; // a struct that contains itself does not compile anyway
        }

        long total = 0;
        foreach (var member in type.GetMembers())
        {
            // A tuple lists each element once as ItemN (its own corresponding field), again under its name, and the
            // elements after the seventh once more inside Rest: only the ItemN fields count.
            if (member is IFieldSymbol { IsStatic: false, IsConst: false } field
                && (!type.IsTupleType || SymbolEqualityComparer.Default.Equals(field, field.CorrespondingTupleField)))
            {
                total = Math.Min(Saturated, total + (field.RefKind == RefKind.None ? Of(field.Type) : 8));
            }
        }

        _visiting.Remove(type);
        total = Math.Max(total, 1);
        _known[type] = total;
        return total;
    }
}
