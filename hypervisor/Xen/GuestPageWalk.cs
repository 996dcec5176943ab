namespace Rig.Hypervisor.Xen;

/// <summary>
/// Translates a guest-linear address through the guest's own page tables, for the VMM core's
/// <see cref="IXenGuestMemory.TranslateLinear"/>: Xen's copy_from_guest for an HVM guest walks them the same way.
/// Covers every paging mode of SDM Vol. 3A chapter 4: none (CR0.PG=0), 32-bit (4.3, with 4-MByte pages and PSE-36),
/// PAE (4.4) and 4-/5-level (4.5, with 2-MByte and 1-GByte pages). Only the present bits are checked: hypercall
/// arguments are read and written on the guest's behalf, so access rights (U/S, R/W) are not enforced, unlike Xen.
/// </summary>
public static class GuestPageWalk
{
    /// <summary>The control registers that select the paging mode and the root table.</summary>
    public readonly record struct PagingState(ulong Cr0, ulong Cr3, ulong Cr4, ulong Efer);

    /// <summary>Reads a 4- or 8-byte little-endian paging entry; null outside guest RAM.</summary>
    public delegate ulong? PhysicalReader(ulong gpa, int size);

    private const ulong Cr0Pg = 1UL << 31;
    private const ulong Cr4Pse = 1UL << 4;
    private const ulong Cr4Pae = 1UL << 5;
    private const ulong Cr4La57 = 1UL << 12;
    private const ulong EferLma = 1UL << 10;
    private const ulong Present = 1;
    private const ulong PageSizeBit = 1UL << 7;

    /// <summary>Bits 51:12 of a PAE or 4-level entry: the largest MAXPHYADDR (SDM 4.1.4).</summary>
    private const ulong AddressMask = 0x000F_FFFF_FFFF_F000;

    public static ulong? Translate(PagingState state, ulong linear, PhysicalReader read)
    {
        if ((state.Cr0 & Cr0Pg) == 0)
        {
            return linear & 0xFFFF_FFFF;
        }

        if ((state.Efer & EferLma) != 0)
        {
            return WalkLongMode(state, linear, read);
        }

        return (state.Cr4 & Cr4Pae) != 0 ? WalkPae(state, linear & 0xFFFF_FFFF, read) : Walk32(state, linear & 0xFFFF_FFFF, read);
    }

    /// <summary>SDM 4.5: PML5 (with CR4.LA57), PML4, PDPT (1-GByte pages), PD (2-MByte pages), PT.</summary>
    private static ulong? WalkLongMode(PagingState state, ulong linear, PhysicalReader read)
    {
        int levels = (state.Cr4 & Cr4La57) != 0 ? 5 : 4;
        int topBit = (levels * 9) + 11;
        long signExtended = (long)(linear << (63 - topBit)) >> (63 - topBit);
        if ((ulong)signExtended != linear)
        {
            return null; // not canonical: a #GP on hardware
        }

        ulong table = state.Cr3 & AddressMask;
        for (int level = levels; level >= 1; level--)
        {
            int shift = 12 + ((level - 1) * 9);
            if (Entry(read, table, (linear >> shift) & 0x1FF, 8) is not ulong entry)
            {
                return null;
            }

            // A PS bit ends the walk at the PDPT (1 GByte) or the PD (2 MByte); in a PML4E or PML5E it is reserved.
            if (level == 1 || (level is 2 or 3 && (entry & PageSizeBit) != 0))
            {
                ulong offsetMask = (1UL << shift) - 1;
                return (entry & AddressMask & ~offsetMask) | (linear & offsetMask);
            }

            table = entry & AddressMask;
        }

        return null;
    }

    /// <summary>SDM 4.4: four PDPTEs at CR3[31:5], then PD (2-MByte pages) and PT.</summary>
    private static ulong? WalkPae(PagingState state, ulong linear, PhysicalReader read)
    {
        if (read((state.Cr3 & 0xFFFF_FFE0) + ((linear >> 30) * 8), 8) is not ulong pdpte || (pdpte & Present) == 0)
        {
            return null;
        }

        if (Entry(read, pdpte & AddressMask, (linear >> 21) & 0x1FF, 8) is not ulong pde)
        {
            return null;
        }

        if ((pde & PageSizeBit) != 0)
        {
            return (pde & AddressMask & ~0x1F_FFFFUL) | (linear & 0x1F_FFFF);
        }

        return Entry(read, pde & AddressMask, (linear >> 12) & 0x1FF, 8) is ulong pte
            ? (pte & AddressMask) | (linear & 0xFFF)
            : null;
    }

    /// <summary>SDM 4.3: 4-byte entries, a PD at CR3[31:12] whose PS entries map 4 MBytes when CR4.PSE is set.</summary>
    private static ulong? Walk32(PagingState state, ulong linear, PhysicalReader read)
    {
        if (Entry(read, state.Cr3 & 0xFFFF_F000, linear >> 22, 4) is not ulong pde)
        {
            return null;
        }

        if ((pde & PageSizeBit) != 0 && (state.Cr4 & Cr4Pse) != 0)
        {
            // PSE-36: PDE bits 20:13 are physical address bits 39:32.
            ulong high = ((pde >> 13) & 0xFF) << 32;
            return high | (pde & 0xFFC0_0000) | (linear & 0x3F_FFFF);
        }

        return Entry(read, pde & 0xFFFF_F000, (linear >> 12) & 0x3FF, 4) is ulong pte
            ? (pte & 0xFFFF_F000) | (linear & 0xFFF)
            : null;
    }

    private static ulong? Entry(PhysicalReader read, ulong table, ulong index, int size) =>
        read(table + (index * (ulong)size), size) is ulong entry && (entry & Present) != 0 ? entry : null;
}
