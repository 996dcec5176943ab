using System.Buffers.Binary;

namespace Rig.Hypervisor.Boot;

/// <summary>A malformed or unsupported boot image; the message says what is wrong, for a person to fix it.</summary>
public sealed class BootImageException(string message) : Exception(message);

/// <summary>One PT_LOAD: bytes from the file at a guest-physical address, zero-filled up to its memory size.</summary>
public sealed record LoadSegment(ulong PhysicalAddress, ReadOnlyMemory<byte> FileBytes, ulong MemorySize);

/// <summary>
/// An ELF64 x86-64 image with a PVH entry point: the Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (18, Xen public/elfnote.h)
/// gives the 32-bit physical entry. Its desc is read as 4 or 8 bytes (Xen's tools emit 4, Linux and QEMU use size_t).
/// Every offset and size is checked against the file, so a hostile image yields a <see cref="BootImageException"/>.
/// </summary>
public sealed class PvhElfImage
{
    private const uint PtLoad = 1;
    private const uint PtNote = 4;
    private const ushort EmX8664 = 62;
    private const uint XenElfNotePhys32Entry = 18;

    private PvhElfImage(IReadOnlyList<LoadSegment> segments, uint entry)
    {
        Segments = segments;
        Entry = entry;
    }

    public IReadOnlyList<LoadSegment> Segments { get; }

    /// <summary>Physical address where the BSP starts in 32-bit protected mode.</summary>
    public uint Entry { get; }

    public static PvhElfImage Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BootImageException($"{path}: cannot read the image: {e.Message}");
        }

        try
        {
            return Parse(bytes);
        }
        catch (BootImageException e)
        {
            throw new BootImageException($"{path}: {e.Message}");
        }
    }

    public static PvhElfImage Parse(ReadOnlyMemory<byte> file)
    {
        var f = file.Span;
        if (f.Length < 64 || !f[..4].SequenceEqual("\u007fELF"u8))
        {
            throw new BootImageException("not an ELF file (no \\x7fELF magic in a 64-byte header)");
        }

        if (f[4] != 2)
        {
            throw new BootImageException($"ELF class {f[4]} is not ELFCLASS64; rig-hv boots 64-bit PVH images");
        }

        if (f[5] != 1)
        {
            throw new BootImageException("ELF data encoding is not little-endian");
        }

        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(f[18..]);
        if (machine != EmX8664)
        {
            throw new BootImageException($"ELF machine {machine} is not EM_X86_64 (62)");
        }

        ulong phOffset = BinaryPrimitives.ReadUInt64LittleEndian(f[32..]);
        ushort phEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(f[54..]);
        ushort phCount = BinaryPrimitives.ReadUInt16LittleEndian(f[56..]);
        if (phEntrySize < 56 || !Fits(f.Length, phOffset, (ulong)phEntrySize * phCount))
        {
            throw new BootImageException("program header table lies outside the file or has entries under 56 bytes");
        }

        var segments = new List<LoadSegment>();
        uint? entry = null;
        for (int i = 0; i < phCount; i++)
        {
            var ph = f.Slice((int)phOffset + (i * phEntrySize), 56);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(ph);
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            ulong paddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]);
            ulong fileSize = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            ulong memSize = BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]);
            if (type is not (PtLoad or PtNote))
            {
                continue;
            }

            if (!Fits(f.Length, offset, fileSize))
            {
                throw new BootImageException($"program header {i} points past the end of the file");
            }

            if (type == PtLoad)
            {
                if (memSize < fileSize || paddr + memSize < paddr)
                {
                    throw new BootImageException($"PT_LOAD {i} has memsz < filesz or wraps the address space");
                }

                segments.Add(new LoadSegment(paddr, file.Slice((int)offset, (int)fileSize), memSize));
            }
            else
            {
                entry ??= FindPvhEntry(f.Slice((int)offset, (int)fileSize));
            }
        }

        if (segments.Count == 0)
        {
            throw new BootImageException("no PT_LOAD segment");
        }

        return entry is { } e
            ? new PvhElfImage(segments, e)
            : throw new BootImageException("no PVH entry: no Xen ELF note 18 (XEN_ELFNOTE_PHYS32_ENTRY) in a PT_NOTE segment");
    }

    private static uint? FindPvhEntry(ReadOnlySpan<byte> notes)
    {
        int at = 0;
        while (notes.Length - at >= 12)
        {
            uint nameSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[at..]);
            uint descSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[(at + 4)..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(notes[(at + 8)..]);
            ulong nameEnd = (ulong)at + 12 + Align4(nameSize);
            ulong descEnd = nameEnd + Align4(descSize);
            if (nameEnd > (ulong)notes.Length || nameEnd + descSize > (ulong)notes.Length)
            {
                throw new BootImageException("an ELF note runs past the end of its PT_NOTE segment");
            }

            var name = notes.Slice(at + 12, (int)nameSize);
            if (type == XenElfNotePhys32Entry && name.TrimEnd((byte)0).SequenceEqual("Xen"u8))
            {
                var desc = notes.Slice((int)nameEnd, (int)descSize);
                ulong value = descSize switch
                {
                    4 => BinaryPrimitives.ReadUInt32LittleEndian(desc),
                    8 => BinaryPrimitives.ReadUInt64LittleEndian(desc),
                    _ => throw new BootImageException($"Xen PVH entry note has a {descSize}-byte desc; expected 4 or 8"),
                };
                return value <= uint.MaxValue
                    ? (uint)value
                    : throw new BootImageException($"PVH entry 0x{value:x} is above 4 GiB; it must be a 32-bit address");
            }

            at = (int)Math.Min(descEnd, (ulong)notes.Length);
        }

        return null;
    }

    private static ulong Align4(uint size) => ((ulong)size + 3) & ~3UL;

    private static bool Fits(int fileLength, ulong offset, ulong size) =>
        offset <= (ulong)fileLength && size <= (ulong)fileLength - offset;
}
