using System.Buffers.Binary;
using System.Text;
using Rig.Hypervisor.Boot;
using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Tests.Boot;

/// <summary>The tables a probe walks (ACPI 6.5 5.2.5-5.2.12, HPET spec 1.0a 3.2.4), read back as a guest reads them.</summary>
public sealed class AcpiTablesTests
{
    private const ulong At = 0xE_0000;

    [Fact]
    public void Without_an_HPET_the_XSDT_lists_only_the_MADT()
    {
        var region = Write(vcpus: 2, hpet: null);
        var tables = XsdtEntries(region);
        Assert.Equal(["APIC"], tables.Select(t => Signature(region, t)));
    }

    [Fact]
    public void With_an_HPET_its_table_names_the_block_and_its_capabilities()
    {
        var region = Write(vcpus: 4, hpet: (Hpet.DefaultBase, Hpet.Capabilities));
        var tables = XsdtEntries(region);
        Assert.Equal(["APIC", "HPET"], tables.Select(t => Signature(region, t)));

        var hpet = region.AsSpan((int)(tables[1] - At));
        Assert.Equal(56u, BinaryPrimitives.ReadUInt32LittleEndian(hpet[4..]));
        Assert.Equal(0, Sum(hpet[..56]));
        Assert.Equal((uint)Hpet.Capabilities, BinaryPrimitives.ReadUInt32LittleEndian(hpet[36..]));
        Assert.Equal(0, hpet[40]); // system memory
        Assert.Equal(Hpet.DefaultBase, BinaryPrimitives.ReadUInt64LittleEndian(hpet[44..]));
    }

    [Fact]
    public void Without_the_pc_chipset_the_madt_lists_the_processors_alone()
    {
        var region = new byte[AcpiTables.Size(2, hpet: false, pcChipset: false)];
        AcpiTables.Write(region, At, 2, null, pcChipset: false);
        var madt = region.AsSpan((int)(XsdtEntries(region)[0] - At));
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(madt[4..]);

        Assert.Equal(0, Sum(madt[..length]));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(madt[40..])); // no PCAT_COMPAT: no 8259s
        Assert.True(madt[44] == 0 && madt[52] == 0); // two Processor Local APICs
        Assert.Equal(44 + 16, length); // and nothing else: no I/O APIC, no ISA override
    }

    [Fact]
    public void Every_table_sums_to_zero()
    {
        var region = Write(vcpus: 8, hpet: (Hpet.DefaultBase, Hpet.Capabilities));
        Assert.Equal(0, Sum(region.AsSpan(0, 20))); // RSDP, ACPI 1.0 part
        Assert.Equal(0, Sum(region.AsSpan(0, 36))); // RSDP, extended
        ulong xsdt = BinaryPrimitives.ReadUInt64LittleEndian(region.AsSpan(24));
        foreach (var table in XsdtEntries(region).Prepend(xsdt))
        {
            var span = region.AsSpan((int)(table - At));
            Assert.Equal(0, Sum(span[..(int)BinaryPrimitives.ReadUInt32LittleEndian(span[4..])]));
        }
    }

    private static byte[] Write(int vcpus, (ulong, ulong)? hpet)
    {
        var region = new byte[AcpiTables.Size(vcpus, hpet is not null)];
        Assert.Equal(At, AcpiTables.Write(region, At, vcpus, hpet));
        return region;
    }

    private static List<ulong> XsdtEntries(byte[] region)
    {
        var xsdt = region.AsSpan((int)(BinaryPrimitives.ReadUInt64LittleEndian(region.AsSpan(24)) - At));
        Assert.Equal("XSDT", Encoding.ASCII.GetString(xsdt[..4]));
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(xsdt[4..]);
        var entries = new List<ulong>();
        for (int at = 36; at + 8 <= length; at += 8)
        {
            entries.Add(BinaryPrimitives.ReadUInt64LittleEndian(xsdt[at..]));
        }

        return entries;
    }

    private static string Signature(byte[] region, ulong table) => Encoding.ASCII.GetString(region, (int)(table - At), 4);

    private static byte Sum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (byte b in bytes)
        {
            sum += b;
        }

        return sum;
    }
}
