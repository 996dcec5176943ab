using System.Buffers.Binary;
using Rig.Guest;

namespace Rig.Probes.StubGen;

/// <summary>
/// The ready-made CPL0 data: page tables, GDT, TSSs and IDT, written straight into the blob at build time
/// because all their addresses are fixed (see <see cref="Layout"/>).
/// </summary>
public static class SystemTables
{
    // SDM 4.5 (4-level paging): P | RW | U/S on every level so CPL3 reaches all memory, including the LAPIC.
    private const ulong PresentWritableUser = 0x7;
    private const ulong PageSize2M = 0x80;
    // The top GiB holds MMIO (LAPIC at 0xFEE00000, IOAPIC): uncached (PCD | PWT, SDM 11.12.3).
    private const ulong Uncached = 0x18;

    public static void WritePageTables(Span<byte> blob)
    {
        Put64(blob, Layout.Pml4Offset, Layout.Address(Layout.PdptOffset) | PresentWritableUser);
        for (ulong gib = 0; gib < 4; gib++)
        {
            ulong pd = Layout.PdOffset + gib * 0x1000;
            Put64(blob, Layout.PdptOffset + gib * 8, Layout.Address(pd) | PresentWritableUser);
            for (ulong i = 0; i < 512; i++)
            {
                ulong physical = ((gib * 512) + i) << 21;
                ulong flags = PresentWritableUser | PageSize2M | (gib == 3 ? Uncached : 0);
                Put64(blob, pd + i * 8, physical | flags);
            }
        }
    }

    /// <param name="callGateTarget">Where both call gates lead, in <see cref="Selectors.KernelCode64"/> (suites/cpu's call-gate checks).</param>
    public static void WriteGdt(Span<byte> blob, ulong callGateTarget)
    {
        // SDM 3.4.5 segment descriptors; L=1 for the 64-bit code segments (SDM 5.2.1).
        Put64(blob, Layout.GdtOffset + Selectors.KernelCode64, 0x00AF9A000000FFFF);
        Put64(blob, Layout.GdtOffset + Selectors.KernelData, 0x00CF92000000FFFF);
        Put64(blob, Layout.GdtOffset + Selectors.UserData, 0x00CFF2000000FFFF);
        Put64(blob, Layout.GdtOffset + Selectors.UserCode64, 0x00AFFA000000FFFF);
        Put64(blob, Layout.GdtOffset + Selectors.KernelCode32, 0x00CF9A000000FFFF);
        // Type 0xE: execute/read, conforming (SDM 3.4.5.1), DPL0, L=1: reachable from any CPL, running at the caller's.
        Put64(blob, Layout.GdtOffset + Selectors.ConformingCode64, 0x00AF9E000000FFFF);
        // The SYSENTER/SYSEXIT block (Selectors.SysenterCode64): descriptors matching the attributes those instructions load, so
        // that an IRETQ that reloads them from the GDT (an exception taken in the SYSENTER entry) finds the same segments.
        Put64(blob, Layout.GdtOffset + Selectors.SysenterCode64, 0x00AF9A000000FFFF);
        Put64(blob, Layout.GdtOffset + Selectors.SysenterData, 0x00CF92000000FFFF);
        Put64(blob, Layout.GdtOffset + Selectors.SysexitCode64, 0x00AFFA000000FFFF);
        Put64(blob, Layout.GdtOffset + Selectors.SysexitData, 0x00CFF2000000FFFF);
        WriteCallGate(blob, Selectors.CallGateDpl3, 3, callGateTarget);
        WriteCallGate(blob, Selectors.CallGateDpl0, 0, callGateTarget);
        for (int cpu = 0; cpu < Layout.MaxCpus; cpu++)
        {
            ulong tss = Layout.Address(Layout.TssOffset + (ulong)cpu * Layout.TssStride);
            ulong at = Layout.GdtOffset + Selectors.FirstTss + (ulong)cpu * 16;
            // SDM 8.2.3: 64-bit TSS descriptor, type 9 (available), present, limit 0x67.
            ulong low = 0x67 | ((tss & 0xFFFFFF) << 16) | (0x89UL << 40) | ((tss >> 24 & 0xFF) << 56);
            Put64(blob, at, low);
            Put64(blob, at + 8, tss >> 32);
        }
    }

    public static ushort GdtLimit => Selectors.GdtEnd - 1;

    /// <summary>SDM Vol. 3A 5.8.3.1, figure 5-9: a 16-byte 64-bit call gate (type 0xC), present, to <see cref="Selectors.KernelCode64"/>; the type field of the upper half stays 0.</summary>
    private static void WriteCallGate(Span<byte> blob, ushort selector, int dpl, ulong target)
    {
        ulong low = (target & 0xFFFF) | ((ulong)Selectors.KernelCode64 << 16) | ((0x8CUL | (ulong)dpl << 5) << 40) | ((target >> 16 & 0xFFFF) << 48);
        Put64(blob, Layout.GdtOffset + selector, low);
        Put64(blob, Layout.GdtOffset + selector + 8, target >> 32);
    }

    public static void WriteTss(Span<byte> blob)
    {
        for (int cpu = 0; cpu < Layout.MaxCpus; cpu++)
        {
            ulong tss = Layout.TssOffset + (ulong)cpu * Layout.TssStride;
            ulong stacks = Layout.KernelStacksBase + (ulong)cpu * Layout.KernelStacksStride;
            // SDM 8.7 (64-bit TSS): RSP0 at 4, IST1..3 at 0x24, 0x2C, 0x34, I/O map base at 0x66.
            Put64(blob, tss + 0x04, stacks + 0x1000);
            Put64(blob, tss + 0x24, stacks + 0x2000);
            Put64(blob, tss + 0x2C, stacks + 0x3000);
            Put64(blob, tss + 0x34, stacks + 0x4000);
            // I/O map base beyond the limit: no I/O permission bitmap, so IOPL alone decides CPL3 port access (SDM 20.5.2).
            BinaryPrimitives.WriteUInt16LittleEndian(blob[(int)(tss + 0x66)..], 0x68);
        }
    }

    /// <summary>IST index per vector: NMI, #DF and #MC get their own stacks (SDM 6.14.5) so they never run on a bad RSP.</summary>
    public static byte IstFor(int vector) => vector switch { 2 => 1, 8 => 2, 18 => 3, _ => 0 };

    public static void WriteIdt(Span<byte> blob, IReadOnlyList<ulong> handlers)
    {
        for (int vector = 0; vector < 256; vector++)
        {
            ulong handler = handlers[vector];
            // #BP and #OF are raised by INT3/INTO at CPL3, so their gates need DPL3 (SDM 6.12.1.1); so do NMI and #MC, which
            // suites/nmi-mce fakes with INT 2 / INT 18 from CPL3 (seed 004: a software NMI does not block NMIs, SDM 6.3.3).
            byte typeAttributes = vector is 2 or 3 or 4 or 18 ? (byte)0xEE : (byte)0x8E;
            ulong at = Layout.IdtOffset + (ulong)vector * 16;
            ulong low = (handler & 0xFFFF) | ((ulong)Selectors.KernelCode64 << 16) | ((ulong)IstFor(vector) << 32)
                | ((ulong)typeAttributes << 40) | ((handler >> 16 & 0xFFFF) << 48);
            Put64(blob, at, low);
            Put64(blob, at + 8, handler >> 32);
        }
    }

    public static void Put64(Span<byte> blob, ulong offset, ulong value) =>
        BinaryPrimitives.WriteUInt64LittleEndian(blob[(int)offset..], value);
}
