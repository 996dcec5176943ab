using System.Buffers.Binary;
using Rig.Hypervisor.Boot;
using Rig.Hypervisor.Tests.Guests;

namespace Rig.Hypervisor.Tests.Boot;

/// <summary>The PVH ELF loader: both note desc sizes, and a clear BootImageException for every malformed image.</summary>
public sealed class PvhElfImageTests
{
    private static byte[] ValidImage(int noteDescBytes = 8)
    {
        var code = GuestSnippets.New32();
        code.hlt();
        return PvhElf.Build(code, bssBytes: 0x1000, noteDescBytes: noteDescBytes);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void Entry_comes_from_the_xen_phys32_entry_note(int noteDescBytes)
    {
        var image = PvhElfImage.Parse(ValidImage(noteDescBytes));

        Assert.Equal((uint)PvhElf.EntryAddress, image.Entry);
        var segment = Assert.Single(image.Segments);
        Assert.Equal(PvhElf.LoadAddress, segment.PhysicalAddress);
        Assert.Equal((ulong)segment.FileBytes.Length + 0x1000, segment.MemorySize);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(100)]
    [InlineData(200)]
    public void Truncated_image_is_rejected(int length)
    {
        var truncated = ValidImage().AsSpan(0, length).ToArray();

        Assert.Throws<BootImageException>(() => PvhElfImage.Parse(truncated));
    }

    [Fact]
    public void Wrong_machine_is_named()
    {
        var image = ValidImage();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(18), 3); // EM_386

        var e = Assert.Throws<BootImageException>(() => PvhElfImage.Parse(image));
        Assert.Contains("EM_X86_64", e.Message);
    }

    [Fact]
    public void Elf32_is_named()
    {
        var image = ValidImage();
        image[4] = 1;

        var e = Assert.Throws<BootImageException>(() => PvhElfImage.Parse(image));
        Assert.Contains("ELFCLASS64", e.Message);
    }

    [Fact]
    public void Missing_pvh_note_is_named()
    {
        var image = ValidImage();
        int noteType = 64 + (2 * 56) + 8;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(noteType), 17);

        var e = Assert.Throws<BootImageException>(() => PvhElfImage.Parse(image));
        Assert.Contains("note 18", e.Message);
    }

    [Fact]
    public void Note_size_past_its_segment_is_rejected()
    {
        var image = ValidImage();
        int noteDescSize = 64 + (2 * 56) + 4;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(noteDescSize), 0xFFFF_FFF0);

        Assert.Throws<BootImageException>(() => PvhElfImage.Parse(image));
    }

    [Fact]
    public void Load_segment_past_the_file_is_rejected()
    {
        var image = ValidImage();
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(64 + 32), 1UL << 40); // PT_LOAD p_filesz

        var e = Assert.Throws<BootImageException>(() => PvhElfImage.Parse(image));
        Assert.Contains("past the end", e.Message);
    }

    [Fact]
    public void Not_an_elf_is_named()
    {
        var e = Assert.Throws<BootImageException>(() => PvhElfImage.Parse(new byte[128]));
        Assert.Contains("not an ELF", e.Message);
    }
}
