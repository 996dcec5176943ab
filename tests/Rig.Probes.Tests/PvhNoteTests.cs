using System.Buffers.Binary;
using System.Text;

namespace Rig.Probes.Tests;

/// <summary>
/// The built images carry what a PVH loader reads (docs/protocol.md): a PT_NOTE with the Xen note
/// XEN_ELFNOTE_PHYS32_ENTRY (18) whose 8-byte descriptor is the 32-bit entry, and a PT_LOAD at 1 MiB.
/// </summary>
public sealed class PvhNoteTests
{
    [Theory]
    [InlineData("Hello")]
    [InlineData("SelfTest")]
    public void ImageHasPvhEntryNoteAndLoadsAtOneMib(string probe)
    {
        byte[] elf = File.ReadAllBytes(Targets.Image(probe));
        Assert.Equal(0x464C457FU, BinaryPrimitives.ReadUInt32LittleEndian(elf));
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x20));
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x36));
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x38));
        ulong? entry = null;
        ulong lowestLoad = ulong.MaxValue;
        for (int i = 0; i < phnum; i++)
        {
            Span<byte> ph = elf.AsSpan((int)phoff + i * phentsize);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(ph);
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            ulong paddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]);
            if (type == 1)
            {
                lowestLoad = Math.Min(lowestLoad, paddr);
            }
            else if (type == 4)
            {
                Span<byte> note = elf.AsSpan((int)offset);
                Assert.Equal(4U, BinaryPrimitives.ReadUInt32LittleEndian(note));
                Assert.Equal(8U, BinaryPrimitives.ReadUInt32LittleEndian(note[4..]));
                Assert.Equal(18U, BinaryPrimitives.ReadUInt32LittleEndian(note[8..]));
                Assert.Equal("Xen\0", Encoding.ASCII.GetString(note[12..16]));
                entry = BinaryPrimitives.ReadUInt64LittleEndian(note[16..]);
            }
        }
        Assert.Equal(0x100000UL, lowestLoad);
        Assert.Equal(0x100000UL, entry);
    }
}
