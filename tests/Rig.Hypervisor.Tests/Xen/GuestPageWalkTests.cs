using System.Buffers.Binary;
using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>Page walks over hand-built tables in real guest RAM (an mmap; no KVM needed), one per SDM paging mode.</summary>
public sealed class GuestPageWalkTests : IDisposable
{
    private const ulong Cr0Pg = 1UL << 31;
    private const ulong Cr4Pse = 1UL << 4;
    private const ulong Cr4Pae = 1UL << 5;
    private const ulong Cr4La57 = 1UL << 12;
    private const ulong EferLma = 1UL << 10;
    private const ulong PresentWritable = 0x3;
    private const ulong PageSize = 0x80;

    private readonly GuestMemory _ram = new(4UL << 20);
    private GuestPageWalk.PagingState _paging;

    public GuestPageWalkTests() => Memory = new KvmXenGuestMemory(_ram, _ => _paging);

    private KvmXenGuestMemory Memory { get; }

    public void Dispose() => _ram.Dispose();

    [Fact]
    public void Without_paging_linear_is_physical()
    {
        _paging = new(0x11, 0, 0, 0);

        Assert.Equal(0x12_3456UL, Memory.TranslateLinear(0, 0x12_3456));
    }

    [Fact]
    public void Four_level_paging_maps_4k_2m_and_1g_pages()
    {
        // PML4 at 0x1000; PML4[0x1FF] -> PDPT at 0x2000 (higher half); PDPT[0] -> PD at 0x3000; PD[1] -> PT at 0x4000.
        Put64(0x1000 + (0x1FF * 8), 0x2000 | PresentWritable);
        Put64(0x2000, 0x3000 | PresentWritable);
        Put64(0x3000 + 8, 0x4000 | PresentWritable);
        Put64(0x4000 + (5 * 8), 0x2F_5000 | PresentWritable); // 4K: linear page 0x205 of this PD -> 0x2F5000
        Put64(0x3000 + (2 * 8), 0x20_0000 | PresentWritable | PageSize); // 2M: PD[2] -> 0x200000
        Put64(0x2000 + (3 * 8), 0x4000_0000 | PresentWritable | PageSize); // 1G: PDPT[3] -> 0x40000000
        _paging = new(Cr0Pg, 0x1000, Cr4Pae, EferLma);
        const ulong HigherHalf = 0xFFFF_FF80_0000_0000;

        Assert.Equal(0x2F_5123UL, Memory.TranslateLinear(0, HigherHalf + 0x20_5123));
        Assert.Equal(0x21_2345UL, Memory.TranslateLinear(0, HigherHalf + 0x41_2345));
        Assert.Equal(0x4123_4567UL, Memory.TranslateLinear(0, HigherHalf + 0xC123_4567));
        Assert.Null(Memory.TranslateLinear(0, HigherHalf + 0x60_0000)); // PD[3] not present
        Assert.Null(Memory.TranslateLinear(0, 0x0000_8000_0000_0000)); // not canonical
    }

    [Fact]
    public void Five_level_paging_adds_a_pml5()
    {
        Put64(0x1000, 0x2000 | PresentWritable); // PML5[0]
        Put64(0x2000, 0x3000 | PresentWritable); // PML4[0]
        Put64(0x3000, 0x4000 | PresentWritable); // PDPT[0]
        Put64(0x4000, 0x20_0000 | PresentWritable | PageSize); // PD[0]: 2M
        _paging = new(Cr0Pg, 0x1000, Cr4Pae | Cr4La57, EferLma);

        Assert.Equal(0x20_0042UL, Memory.TranslateLinear(0, 0x42));
        Assert.Null(Memory.TranslateLinear(0, 1UL << 39)); // PML4[1] not present
    }

    [Fact]
    public void Pae_paging_starts_from_four_pdptes_at_cr3()
    {
        Put64(0x1020 + (3 * 8), 0x3000 | 1); // PDPTE 3, table 32-byte aligned at 0x1020
        Put64(0x3000 + (4 * 8), 0x5000 | PresentWritable); // PD[4] -> PT
        Put64(0x5000 + (7 * 8), 0x1F_7000 | PresentWritable);
        Put64(0x3000 + (5 * 8), 0x20_0000 | PresentWritable | PageSize);
        _paging = new(Cr0Pg, 0x1020, Cr4Pae, 0);

        Assert.Equal(0x1F_7ABCUL, Memory.TranslateLinear(0, 0xC080_7ABC));
        Assert.Equal(0x20_1234UL, Memory.TranslateLinear(0, 0xC0A0_1234));
        Assert.Null(Memory.TranslateLinear(0, 0x0000_1000)); // PDPTE 0 not present
    }

    [Fact]
    public void Thirty_two_bit_paging_with_4k_and_pse_36_4m_pages()
    {
        Put32(0x1000 + (0x300 * 4), 0x6000 | PresentWritable); // PD[0x300] -> PT
        Put32(0x6000 + (2 * 4), 0x2F_2000 | PresentWritable);
        Put32(0x1000 + (0x301 * 4), 0x0040_0000 | PresentWritable | PageSize | (0x1UL << 13)); // 4M at 0x1_0040_0000
        _paging = new(Cr0Pg, 0x1000, Cr4Pse, 0);

        Assert.Equal(0x2F_2FFFUL, Memory.TranslateLinear(0, 0xC000_2FFF));
        Assert.Equal(0x1_0045_6789UL, Memory.TranslateLinear(0, 0xC045_6789));
    }

    [Fact]
    public void Tables_outside_ram_and_physical_ranges_outside_ram_are_refused()
    {
        _paging = new(Cr0Pg, 0x7FFF_F000, Cr4Pae, EferLma); // CR3 beyond the 4 MiB of RAM

        Assert.Null(Memory.TranslateLinear(0, 0x1000));
        Assert.Equal(0, Memory.Physical(4UL << 20, 1).Length);
        Assert.Equal(0, Memory.Physical(ulong.MaxValue, 16).Length);
        Assert.Equal(16, Memory.Physical((4UL << 20) - 16, 16).Length);
    }

    private void Put64(ulong gpa, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(_ram.Slice(gpa, 8), value);

    private void Put32(ulong gpa, ulong value) => BinaryPrimitives.WriteUInt32LittleEndian(_ram.Slice(gpa, 4), (uint)value);
}
