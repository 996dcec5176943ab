using System.Buffers.Binary;
using Rig.Guest;
using Rig.Probes.StubGen;

namespace Rig.Probes.Tests;

/// <summary>The CPL0 stub's ready-made tables decode to what the SDM says the CPU will read.</summary>
public sealed class StubImageTests
{
    private static readonly StubImage Stub = StubImage.Build();

    private static ulong Read64(ulong offset) => BinaryPrimitives.ReadUInt64LittleEndian(Stub.Blob.AsSpan((int)offset));

    [Fact]
    public void IdtSendsNmiDoubleFaultAndMachineCheckToTheirOwnStacks()
    {
        // SDM 6.14.1: IST index in bits 34:32 of the first quadword of a 64-bit gate.
        byte Ist(int vector) => (byte)(Read64(Layout.IdtOffset + (ulong)vector * 16) >> 32 & 7);
        Assert.Equal(1, Ist(2));
        Assert.Equal(2, Ist(8));
        Assert.Equal(3, Ist(18));
        Assert.Equal(0, Ist(14));
        Assert.Equal(0, Ist(0x40));
    }

    [Fact]
    public void OnlyBreakpointOverflowNmiAndMachineCheckGatesAreReachableFromCpl3()
    {
        // INT3/INTO, and INT 2 / INT 18 for suites/nmi-mce's fake NMI and #MC.
        for (int vector = 0; vector < 256; vector++)
        {
            int dpl = (int)(Read64(Layout.IdtOffset + (ulong)vector * 16) >> 45 & 3);
            Assert.Equal(vector is 2 or 3 or 4 or 18 ? 3 : 0, dpl);
        }
    }

    [Fact]
    public void EveryIdtGatePointsIntoTheStubCode()
    {
        for (int vector = 0; vector < 256; vector++)
        {
            ulong low = Read64(Layout.IdtOffset + (ulong)vector * 16);
            ulong high = Read64(Layout.IdtOffset + (ulong)vector * 16 + 8);
            ulong target = (low & 0xFFFF) | (low >> 48 << 16) | (high & 0xFFFFFFFF) << 32;
            Assert.InRange(target, Layout.Address(Layout.Code64Offset), Layout.Address(Layout.Code64Limit) - 1);
        }
    }

    [Fact]
    public void EachVcpuTssDescriptorNamesItsOwnTss()
    {
        for (int cpu = 0; cpu < Layout.MaxCpus; cpu++)
        {
            ulong low = Read64(Layout.GdtOffset + Selectors.FirstTss + (ulong)cpu * 16);
            ulong high = Read64(Layout.GdtOffset + Selectors.FirstTss + (ulong)cpu * 16 + 8);
            ulong baseAddress = (low >> 16 & 0xFFFFFF) | (low >> 56 << 24) | (high & 0xFFFFFFFF) << 32;
            Assert.Equal(Layout.Address(Layout.TssOffset + (ulong)cpu * Layout.TssStride), baseAddress);
            Assert.Equal(0x89UL, low >> 40 & 0xFF); // present, 64-bit available TSS (SDM 8.2.3)
        }
    }

    [Fact]
    public void CallGatesFollowTheTssDescriptorsAndLeadToKernelCode()
    {
        Assert.Equal(Selectors.CallGateDpl3, Selectors.FirstTss + Layout.MaxCpus * 16);
        Assert.Equal(Selectors.GdtEnd - 1, SystemTables.GdtLimit);
        foreach ((ushort selector, int dpl) in new[] { (Selectors.CallGateDpl3, 3), (Selectors.CallGateDpl0, 0) })
        {
            ulong low = Read64(Layout.GdtOffset + selector);
            ulong high = Read64(Layout.GdtOffset + selector + 8);
            // SDM Vol. 3A 5.8.3.1: type 0xC, present, the DPL; target selector in bits 31:16; the upper half's type field 0.
            Assert.Equal(0x8CUL | (ulong)dpl << 5, low >> 40 & 0xFF);
            Assert.Equal(Selectors.KernelCode64, (ushort)(low >> 16));
            Assert.Equal(0UL, high >> 40 & 0x1F);
            ulong target = (low & 0xFFFF) | (low >> 48 << 16) | (high & 0xFFFFFFFF) << 32;
            Assert.InRange(target, Layout.Address(Layout.Code64Offset), Layout.Address(Layout.Code64Limit) - 1);
        }
    }

    [Fact]
    public void TheConformingCodeSegmentIsA64BitDpl0One()
    {
        ulong descriptor = Read64(Layout.GdtOffset + Selectors.ConformingCode64);
        Assert.Equal(0x9EUL, descriptor >> 40 & 0xFF); // present, DPL0, code, conforming, readable (SDM 3.4.5.1)
        Assert.Equal(1UL, descriptor >> 53 & 1); // L (SDM 5.2.1)
    }

    [Fact]
    public void PageTablesIdentityMapFourGibWithUserPagesAndUncachedMmio()
    {
        ulong lapicEntry = Read64(Layout.PdOffset + (0xFEE00000UL >> 21) * 8);
        Assert.Equal(0xFEE00000UL, lapicEntry & ~0xFFFUL);
        Assert.Equal(0x9FUL, lapicEntry & 0xFF); // P RW U/S PWT PCD PS
        ulong imageEntry = Read64(Layout.PdOffset + (Layout.ImageBase >> 21) * 8);
        Assert.Equal(0x87UL, imageEntry); // first 2 MiB: P RW U/S PS, cached
    }

    [Fact]
    public void HelpersTheRuntimeImportsAreExported()
    {
        string[] imported = ["rig_gate", "rig_read_msr", "rig_rdtsc", "rig_rdtscp", "rig_cpuid", "rig_pause", "rig_outsb", "rig_unsupported",
            "rig_load64", "rig_cmpxchg64", "rig_xadd64", "rig_xchg64", "rig_try_ud2", "rig_try_div0", "rig_try_int3", "rig_try_in8", "rig_try_out8"];
        foreach (string name in imported)
        {
            Assert.True(Stub.Symbols.ContainsKey(name), name);
        }
    }

    [Fact]
    public void StubIsTheSameBytesEveryTime() => Assert.Equal(Stub.Blob, StubImage.Build().Blob);
}
