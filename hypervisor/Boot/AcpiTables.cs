using System.Buffers.Binary;
using System.Text;

namespace Rig.Hypervisor.Boot;

/// <summary>
/// The minimal ACPI a probe needs to find its CPUs and interrupt routing the same way as under QEMU (ACPI 6.5):
/// RSDP (5.2.5) → XSDT (5.2.8) → MADT (5.2.12) with one Processor Local APIC per vCPU, one I/O APIC at 0xFEC00000
/// with GSI base 0, and the ISA override IRQ0 → GSI2 that every PC chipset has (the PIT is wired to IOAPIC pin 2);
/// and, when the VM has one, the HPET description table (IA-PC HPET Specification 1.0a, 3.2.4) that tells an OS where
/// the event timer block is. A xen-pvh machine's MADT has the processors alone: Xen's PVH domU has no IOAPIC and no
/// 8259s (libxl gives it XEN_X86_EMU_LAPIC only).
/// </summary>
public static class AcpiTables
{
    public const uint LocalApicAddress = 0xFEE0_0000;
    public const uint IoApicAddress = 0xFEC0_0000;
    // The IOAPIC ID register holds 4 bits (82093AA 3.2.1), so the MADT must name an ID it can read back; 0 as QEMU.
    public const byte IoApicId = 0;
    private const int HeaderSize = 36;
    private const int HpetTableSize = 56;

    /// <summary>
    /// Writes the tables at <paramref name="rsdpAddress"/> (16-byte aligned) in <paramref name="region"/>; returns where the
    /// RSDP is. <paramref name="hpet"/> is the HPET block's address and GCAP_ID, or null for a VM without one;
    /// <paramref name="pcChipset"/> false leaves the IOAPIC, its ISA override and PCAT_COMPAT out of the MADT.
    /// </summary>
    public static ulong Write(Span<byte> region, ulong rsdpAddress, int vcpus, (ulong Address, ulong Capabilities)? hpet, bool pcChipset = true)
    {
        ulong xsdtAddress = rsdpAddress + 0x40;
        ulong madtAddress = rsdpAddress + 0x80;

        var madt = BuildMadt(vcpus, pcChipset);
        ulong hpetAddress = madtAddress + (ulong)madt.Length;
        var tables = hpet is not null ? new[] { madtAddress, hpetAddress } : [madtAddress];
        var xsdt = new byte[HeaderSize + (8 * tables.Length)];
        for (int i = 0; i < tables.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(xsdt.AsSpan(HeaderSize + (8 * i)), tables[i]);
        }

        FinishHeader(xsdt, "XSDT", revision: 1);

        var rsdp = new byte[36];
        Encoding.ASCII.GetBytes("RSD PTR ").CopyTo(rsdp, 0);
        Encoding.ASCII.GetBytes("RIGHV ").CopyTo(rsdp, 9);
        rsdp[15] = 2;
        BinaryPrimitives.WriteUInt32LittleEndian(rsdp.AsSpan(20), 36);
        BinaryPrimitives.WriteUInt64LittleEndian(rsdp.AsSpan(24), xsdtAddress);
        rsdp[8] = Checksum(rsdp.AsSpan(0, 20));
        rsdp[32] = Checksum(rsdp);

        if (region.Length < Size(vcpus, hpet is not null, pcChipset))
        {
            throw new ArgumentException("the ACPI region is too small for this many vCPUs");
        }

        rsdp.CopyTo(region);
        xsdt.CopyTo(region[(int)(xsdtAddress - rsdpAddress)..]);
        madt.CopyTo(region[(int)(madtAddress - rsdpAddress)..]);
        if (hpet is { } h)
        {
            BuildHpet(h.Address, h.Capabilities).CopyTo(region[(int)(hpetAddress - rsdpAddress)..]);
        }

        return rsdpAddress;
    }

    /// <summary>Bytes the tables take for <paramref name="vcpus"/> vCPUs, with or without the HPET table and the PC chipset.</summary>
    public static int Size(int vcpus, bool hpet, bool pcChipset = true) => MadtSize(vcpus, pcChipset) + 0x80 + (hpet ? HpetTableSize : 0);

    private static int MadtSize(int vcpus, bool pcChipset) => HeaderSize + 8 + (8 * vcpus) + (pcChipset ? 12 + 10 : 0);

    /// <summary>
    /// The HPET description table (HPET spec 1.0a, Table 3): the Event Timer Block ID (GCAP_ID's low half), the block's
    /// address as a Generic Address Structure in system memory (ACPI 5.2.3.2), HPET number 0, and the minimum periodic
    /// tick a driver should ask for (0x80 as QEMU and most firmware), no page protection.
    /// </summary>
    private static byte[] BuildHpet(ulong address, ulong capabilities)
    {
        var table = new byte[HpetTableSize];
        var s = table.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s[HeaderSize..], (uint)capabilities);
        s[HeaderSize + 4] = 0; // GAS: system memory
        s[HeaderSize + 5] = 64; // register bit width
        BinaryPrimitives.WriteUInt64LittleEndian(s[(HeaderSize + 8)..], address);
        s[HeaderSize + 16] = 0; // HPET number
        BinaryPrimitives.WriteUInt16LittleEndian(s[(HeaderSize + 17)..], 0x80);
        FinishHeader(table, "HPET", revision: 1);
        return table;
    }

    private static byte[] BuildMadt(int vcpus, bool pcChipset)
    {
        var madt = new byte[MadtSize(vcpus, pcChipset)];
        var s = madt.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s[HeaderSize..], LocalApicAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(s[(HeaderSize + 4)..], pcChipset ? 1u : 0); // PCAT_COMPAT: dual 8259s present
        int at = HeaderSize + 8;
        for (int cpu = 0; cpu < vcpus; cpu++)
        {
            s[at] = 0; // Processor Local APIC
            s[at + 1] = 8;
            s[at + 2] = (byte)cpu; // ACPI processor UID
            s[at + 3] = (byte)cpu; // APIC ID
            BinaryPrimitives.WriteUInt32LittleEndian(s[(at + 4)..], 1); // Enabled
            at += 8;
        }

        if (!pcChipset)
        {
            FinishHeader(madt, "APIC", revision: 3);
            return madt;
        }

        s[at] = 1; // I/O APIC
        s[at + 1] = 12;
        s[at + 2] = IoApicId;
        BinaryPrimitives.WriteUInt32LittleEndian(s[(at + 4)..], IoApicAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(s[(at + 8)..], 0);
        at += 12;

        s[at] = 2; // Interrupt Source Override: ISA bus, IRQ0 → GSI2, conforming polarity/trigger
        s[at + 1] = 10;
        s[at + 2] = 0;
        s[at + 3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(s[(at + 4)..], 2);
        FinishHeader(madt, "APIC", revision: 3);
        return madt;
    }

    private static void FinishHeader(byte[] table, string signature, byte revision)
    {
        Encoding.ASCII.GetBytes(signature).CopyTo(table, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(4), (uint)table.Length);
        table[8] = revision;
        Encoding.ASCII.GetBytes("RIGHV ").CopyTo(table, 10);
        Encoding.ASCII.GetBytes("RIGHVREF").CopyTo(table, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(24), 1);
        Encoding.ASCII.GetBytes("RIG ").CopyTo(table, 28);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(32), 1);
        table[9] = Checksum(table);
    }

    /// <summary>The byte that makes the sum of all bytes zero (ACPI 5.2.5.3 / 5.2.6).</summary>
    private static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }

        return (byte)-sum;
    }
}
