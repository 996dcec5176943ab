using System.Buffers.Binary;
using Iced.Intel;

namespace Rig.Hypervisor.Tests.Guests;

/// <summary>
/// Builds a minimal PVH-bootable ELF64 in memory from Iced-assembled 32-bit code, so tests need no probe toolchain.
/// Layout: ELF header, two program headers (PT_LOAD over the whole file, PT_NOTE), the Xen PVH note, then the code
/// at <see cref="EntryAddress"/>. The entry runs as PVH says: 32-bit protected mode, flat segments, paging off,
/// EBX = physical address of hvm_start_info (Xen public/arch-x86/hvm/start_info.h).
/// </summary>
public static class PvhElf
{
    /// <summary>Where the image loads, as for a Linux-style PVH kernel (1 MiB).</summary>
    public const ulong LoadAddress = 0x10_0000;

    /// <summary>The code begins this far into the file, after the headers and the note.</summary>
    public const int CodeOffset = 0x100;

    public const ulong EntryAddress = LoadAddress + CodeOffset;

    /// <summary>XEN_ELFNOTE_PHYS32_ENTRY (Xen public/elfnote.h).</summary>
    public const uint XenElfNotePhys32Entry = 18;

    private const int ElfHeaderSize = 64;
    private const int ProgramHeaderSize = 56;

    /// <summary>Assembles <paramref name="code"/> (32-bit) at the entry address and wraps it in a PVH ELF.</summary>
    /// <param name="bssBytes">zero-filled memory reserved after the code (memsz beyond filesz).</param>
    /// <param name="noteDescBytes">8 (size_t, as QEMU reads it for ELF64) or 4 (as Xen's own tools emit).</param>
    public static byte[] Build(Assembler code, ulong bssBytes = 0, int noteDescBytes = 8)
    {
        var stream = new MemoryStream();
        code.Assemble(new StreamCodeWriter(stream), EntryAddress);
        return Build(stream.ToArray(), bssBytes, noteDescBytes);
    }

    /// <summary>
    /// A guest in two parts: 32-bit code at the entry (which ends by jumping to long mode, see
    /// <see cref="GuestSnippets.EnterLongMode"/>) and 64-bit code at <see cref="GuestSnippets.LongModeEntry"/>.
    /// </summary>
    public static byte[] Build(Assembler code32, Assembler code64, ulong bssBytes = 0)
    {
        var first = new MemoryStream();
        code32.Assemble(new StreamCodeWriter(first), EntryAddress);
        int gap = (int)(GuestSnippets.LongModeEntry - EntryAddress);
        if (first.Length > gap)
        {
            throw new ArgumentException($"the 32-bit part is {first.Length} bytes; at most {gap} fit before the 64-bit entry");
        }

        first.SetLength(gap);
        first.Position = gap;
        code64.Assemble(new StreamCodeWriter(first), GuestSnippets.LongModeEntry);
        return Build(first.ToArray(), bssBytes);
    }

    /// <summary>Wraps machine code that was assembled to run at <see cref="EntryAddress"/>.</summary>
    public static byte[] Build(ReadOnlySpan<byte> machineCode, ulong bssBytes = 0, int noteDescBytes = 8)
    {
        if (noteDescBytes is not (4 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(noteDescBytes), "the PVH entry note's desc is 4 or 8 bytes");
        }

        var image = new byte[CodeOffset + machineCode.Length];
        var span = image.AsSpan();
        int noteOffset = ElfHeaderSize + (2 * ProgramHeaderSize);
        int noteSize = 12 + 4 + noteDescBytes;

        // ELF header (System V gABI): ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ET_EXEC, EM_X86_64.
        "\u007fELF"u8.CopyTo(span);
        span[4] = 2;
        span[5] = 1;
        span[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 62);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], EntryAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], ElfHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[52..], ElfHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[54..], ProgramHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[56..], 2);

        // PT_LOAD, RWX, the whole file at LoadAddress.
        var load = span[ElfHeaderSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(load, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(load[4..], 7);
        BinaryPrimitives.WriteUInt64LittleEndian(load[8..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(load[16..], LoadAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(load[24..], LoadAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(load[32..], (ulong)image.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(load[40..], (ulong)image.Length + bssBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(load[48..], 0x1000);

        // PT_NOTE over the Xen note.
        var note = span[(ElfHeaderSize + ProgramHeaderSize)..];
        BinaryPrimitives.WriteUInt32LittleEndian(note, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(note[4..], 4);
        BinaryPrimitives.WriteUInt64LittleEndian(note[8..], (ulong)noteOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(note[32..], (ulong)noteSize);
        BinaryPrimitives.WriteUInt64LittleEndian(note[40..], (ulong)noteSize);
        BinaryPrimitives.WriteUInt64LittleEndian(note[48..], 4);

        // The note: namesz 4 ("Xen\0"), descsz, type 18, then the 32-bit entry address.
        var xenNote = span[noteOffset..];
        BinaryPrimitives.WriteUInt32LittleEndian(xenNote, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(xenNote[4..], (uint)noteDescBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(xenNote[8..], XenElfNotePhys32Entry);
        "Xen\0"u8.CopyTo(xenNote[12..]);
        if (noteDescBytes == 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(xenNote[16..], EntryAddress);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(xenNote[16..], (uint)EntryAddress);
        }

        machineCode.CopyTo(span[CodeOffset..]);
        return image;
    }
}
