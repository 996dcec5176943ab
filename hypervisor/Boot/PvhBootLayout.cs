using System.Buffers.Binary;
using System.Text;
using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Boot;

/// <summary>
/// Puts a PVH image and what its entry expects into guest RAM: the PT_LOAD segments, hvm_start_info v1 with its memory
/// map and command line (Xen public/arch-x86/hvm/start_info.h), and the ACPI tables whose RSDP start_info points to.
/// Low-memory layout: start_info at 0x1000, memory map at 0x1040, command line at 0x2000, ACPI in the BIOS area at 0xE0000.
/// </summary>
public static class PvhBootLayout
{
    public const ulong StartInfoAddress = 0x1000;
    public const ulong MemoryMapAddress = 0x1040;
    public const ulong CommandLineAddress = 0x2000;
    public const int CommandLineMax = 0x1000;
    public const ulong AcpiAddress = 0xE_0000;
    public const ulong HighMemoryStart = 0x10_0000;

    /// <summary>XEN_HVM_START_MAGIC_VALUE.</summary>
    private const uint StartInfoMagic = 0x336E_C578;
    private const uint E820Ram = 1;
    private const uint E820Reserved = 2;

    /// <summary>
    /// Loads the image and boot data into <paramref name="memory"/> (which must be zero); returns the start_info address
    /// for EBX. <paramref name="hpet"/> is the HPET block (address, GCAP_ID) the tables and memory map announce, if any.
    /// <paramref name="pcChipset"/> false (xen-pvh): no IOAPIC in the tables or the map. <paramref name="reservedTopPages"/>
    /// pages at the top of RAM are left out of the map's RAM (reserved, as Xen's special pages, e.g. the PV console's ring).
    /// </summary>
    public static ulong Load(
        GuestMemory memory, PvhElfImage image, string commandLine, int vcpus, (ulong Address, ulong Capabilities)? hpet,
        bool pcChipset = true, int reservedTopPages = 0)
    {
        foreach (var segment in image.Segments)
        {
            if (segment.PhysicalAddress < HighMemoryStart || !memory.Contains(segment.PhysicalAddress, segment.MemorySize))
            {
                throw new BootImageException(
                    $"PT_LOAD at 0x{segment.PhysicalAddress:x} (+0x{segment.MemorySize:x}) is outside guest RAM " +
                    $"[0x{HighMemoryStart:x}, 0x{memory.Size:x}); give more --memory or link the image at 1 MiB or above");
            }

            segment.FileBytes.Span.CopyTo(memory.Slice(segment.PhysicalAddress, segment.FileBytes.Length));
        }

        if (!memory.Contains(image.Entry, 1))
        {
            throw new BootImageException($"PVH entry 0x{image.Entry:x} is not in guest RAM");
        }

        byte[] cmdline = Encoding.UTF8.GetBytes(commandLine);
        if (cmdline.Length >= CommandLineMax)
        {
            throw new ArgumentException($"--append is {cmdline.Length} bytes; at most {CommandLineMax - 1}");
        }

        cmdline.CopyTo(memory.Slice(CommandLineAddress, cmdline.Length));

        ulong rsdp = AcpiTables.Write(
            memory.Slice(AcpiAddress, AcpiTables.Size(vcpus, hpet is not null, pcChipset)), AcpiAddress, vcpus, hpet, pcChipset);

        ulong reserved = (ulong)reservedTopPages * 0x1000;
        (ulong Address, ulong Size, uint Type)[] map =
        [
            (0, 0xA_0000, E820Ram),
            (0xA_0000, HighMemoryStart - 0xA_0000, E820Reserved),
            (HighMemoryStart, memory.Size - reserved - HighMemoryStart, E820Ram),
            .. reserved > 0 ? [(memory.Size - reserved, reserved, E820Reserved)] : Array.Empty<(ulong, ulong, uint)>(),
            .. pcChipset ? [(AcpiTables.IoApicAddress, 0x1000UL, E820Reserved)] : Array.Empty<(ulong, ulong, uint)>(),
            .. hpet is { } block ? [(block.Address, 0x1000UL, E820Reserved)] : Array.Empty<(ulong, ulong, uint)>(),
            (AcpiTables.LocalApicAddress, 0x1000, E820Reserved),
        ];
        var mapBytes = memory.Slice(MemoryMapAddress, map.Length * 24);
        for (int i = 0; i < map.Length; i++)
        {
            var entry = mapBytes[(i * 24)..];
            BinaryPrimitives.WriteUInt64LittleEndian(entry, map[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], map[i].Size);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], map[i].Type);
        }

        // struct hvm_start_info: magic, version, flags, nr_modules, modlist_paddr, cmdline_paddr, rsdp_paddr,
        // memmap_paddr, memmap_entries, reserved.
        var info = memory.Slice(StartInfoAddress, 56);
        BinaryPrimitives.WriteUInt32LittleEndian(info, StartInfoMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(info[4..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(info[24..], cmdline.Length > 0 ? CommandLineAddress : 0);
        BinaryPrimitives.WriteUInt64LittleEndian(info[32..], rsdp);
        BinaryPrimitives.WriteUInt64LittleEndian(info[40..], MemoryMapAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(info[48..], (uint)map.Length);
        return StartInfoAddress;
    }
}
