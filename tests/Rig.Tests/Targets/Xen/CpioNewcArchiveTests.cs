using System.Text;
using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

/// <summary>The newc layout the kernel's initramfs unpacker reads (buffer-format.rst): checked field by field.</summary>
public sealed class CpioNewcArchiveTests
{
    [Fact]
    public void Entries_are_a_directory_its_files_and_the_trailer_each_4_byte_aligned()
    {
        var archive = CpioNewcArchive.Create("probes", [("A.elf", [1, 2, 3]), ("Bb.elf", [4])]);

        var entries = Read(archive);

        Assert.Equal(["probes", "probes/A.elf", "probes/Bb.elf", "TRAILER!!!"], entries.Select(e => e.Name));
        Assert.Equal(0x41ED, entries[0].Mode);
        Assert.Equal(0x81A4, entries[1].Mode);
        Assert.Equal(new byte[] { 1, 2, 3 }, entries[1].Content);
        Assert.Equal(new byte[] { 4 }, entries[2].Content);
        Assert.Equal(0, archive.Length % 4);
    }

    private static List<(string Name, int Mode, byte[] Content)> Read(byte[] archive)
    {
        var entries = new List<(string, int, byte[])>();
        var at = 0;
        while (true)
        {
            Assert.Equal(0, at % 4);
            var header = Encoding.ASCII.GetString(archive, at, 110);
            Assert.StartsWith("070701", header, StringComparison.Ordinal);
            int Field(int index) => Convert.ToInt32(header.Substring(6 + (index * 8), 8), 16);
            var nameSize = Field(11);
            var name = Encoding.ASCII.GetString(archive, at + 110, nameSize - 1);
            var data = (at + 110 + nameSize + 3) & ~3;
            var content = archive[data..(data + Field(6))];
            entries.Add((name, Field(1), content));
            if (name == "TRAILER!!!")
            {
                return entries;
            }

            at = (data + content.Length + 3) & ~3;
        }
    }
}
