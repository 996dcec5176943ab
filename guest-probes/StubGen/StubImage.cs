using System.Buffers.Binary;

namespace Rig.Probes.StubGen;

/// <summary>The CPL0 layer as one blob for <see cref="Layout.ImageBase"/>, plus the symbols C# links against.</summary>
public sealed class StubImage
{
    private StubImage(byte[] blob, IReadOnlyDictionary<string, ulong> symbols, ulong pvhEntry)
    {
        Blob = blob;
        Symbols = symbols;
        PvhEntry = pvhEntry;
    }

    public byte[] Blob { get; }

    /// <summary>CPL3 helper name → absolute address (sorted so the linker script is deterministic).</summary>
    public IReadOnlyDictionary<string, ulong> Symbols { get; }

    /// <summary>The 32-bit entry named by the PVH note (XEN_ELFNOTE_PHYS32_ENTRY).</summary>
    public ulong PvhEntry { get; }

    public static StubImage Build()
    {
        BootCode.Chunk32 boot = BootCode.Entry32();
        byte[] ap16 = BootCode.ApStart16(boot.ApEntry);

        // Pass 1 learns where the gate's return address lands (a placeholder that still needs a 32-bit
        // immediate keeps every instruction the same size); pass 2 assembles with the real address.
        (Code64 code, Assembled code64) = Assemble64(0x7FFFFFFF);
        ulong gateReturn = code64[code.GateReturn];
        (code, code64) = Assemble64(gateReturn);
        if (code64[code.GateReturn] != gateReturn)
        {
            throw new InvalidOperationException("the gate's return address moved between the two assembly passes");
        }

        var blob = new byte[Layout.StubSize];
        Place(blob, Layout.Entry32Offset, boot.Code.Bytes, Layout.Ap16Offset);
        Place(blob, Layout.Ap16Offset, ap16, Layout.Code64Offset);
        Place(blob, Layout.Code64Offset, code64.Bytes, Layout.Code64Limit);

        SystemTables.WritePageTables(blob);
        SystemTables.WriteGdt(blob, code64[code.CallGateTarget]);
        SystemTables.WriteTss(blob);
        SystemTables.WriteIdt(blob, [.. code.VectorEntries.Select(l => code64[l])]);
        WriteDescriptorPointer(blob, BootCode.GdtrOffset, SystemTables.GdtLimit, Layout.Address(Layout.GdtOffset));
        WriteDescriptorPointer(blob, BootCode.IdtrOffset, 256 * 16 - 1, Layout.Address(Layout.IdtOffset));

        if (Layout.FixupTableOffset + (ulong)code.UserFixups.Count * 16 > Layout.StubSize)
        {
            throw new InvalidOperationException($"{code.UserFixups.Count} user fix-ups overrun the table at 0x{Layout.FixupTableOffset:x}; move the layout boundaries");
        }

        ulong fixup = Layout.FixupTableOffset;
        foreach ((var fault, var resume) in code.UserFixups)
        {
            SystemTables.Put64(blob, fixup, code64[fault]);
            SystemTables.Put64(blob, fixup + 8, code64[resume]);
            fixup += 16;
        }

        WriteBootInfo(blob, BootInfo.Ap16Template, Layout.Address(Layout.Ap16Offset));
        WriteBootInfo(blob, BootInfo.Ap16Length, (ulong)ap16.Length);
        WriteBootInfo(blob, BootInfo.ApStartPage, Layout.ApStartPage);
        WriteBootInfo(blob, BootInfo.FixupTable, Layout.Address(Layout.FixupTableOffset));
        WriteBootInfo(blob, BootInfo.FixupCount, (ulong)code.UserFixups.Count);
        WriteBootInfo(blob, BootInfo.UserStacksBase, Layout.UserStacksBase);
        WriteBootInfo(blob, BootInfo.UserStackShift, Layout.UserStackShift);
        WriteBootInfo(blob, BootInfo.MaxCpus, Layout.MaxCpus);
        WriteBootInfo(blob, BootInfo.HeapBase, Layout.HeapBase);
        WriteBootInfo(blob, BootInfo.HeapEnd, Layout.HeapEnd);
        WriteBootInfo(blob, BootInfo.SampleBase, Layout.SampleBase);
        WriteBootInfo(blob, BootInfo.KernelStacksBase, Layout.KernelStacksBase);
        WriteBootInfo(blob, BootInfo.KernelStacksStride, Layout.KernelStacksStride);

        var symbols = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        foreach ((string name, var label) in code.Exports)
        {
            symbols[name] = code64[label];
        }
        return new StubImage(blob, symbols, boot.Entry);
    }

    private static (Code64 Code, Assembled Bytes) Assemble64(ulong gateReturnAddress)
    {
        var code = new Code64(gateReturnAddress);
        KernelCode.Emit(code);
        UserCode.Emit(code);
        return (code, new Assembled(code.Asm, Layout.Address(Layout.Code64Offset)));
    }

    private static void Place(byte[] blob, ulong offset, byte[] bytes, ulong limit)
    {
        if (offset + (ulong)bytes.Length > limit)
        {
            throw new InvalidOperationException($"stub chunk at 0x{offset:x} is {bytes.Length} bytes and overruns 0x{limit:x}; move the layout boundaries");
        }
        bytes.CopyTo(blob, (int)offset);
    }

    private static void WriteDescriptorPointer(byte[] blob, ulong offset, ushort limit, ulong address)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan((int)offset), limit);
        SystemTables.Put64(blob, offset + 2, address);
    }

    private static void WriteBootInfo(byte[] blob, int field, ulong value) =>
        SystemTables.Put64(blob, Layout.BootInfoOffset + (ulong)field, value);
}
