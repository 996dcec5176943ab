using System.Globalization;
using System.Text;

namespace Rig.Targets.Xen;

/// <summary>
/// Writes a cpio archive in the "newc" format the Linux kernel unpacks as an initramfs (Documentation/driver-api/
/// early-userspace/buffer-format.rst): per entry a 110-byte ASCII header ("070701", then 13 eight-digit hex fields),
/// the NUL-terminated name and the data, each padded to 4 bytes; a "TRAILER!!!" entry ends it.
/// </summary>
public static class CpioNewcArchive
{
    private const int DirectoryMode = 0x4000 | 0x1ED; // S_IFDIR | 0755
    private const int FileMode = 0x8000 | 0x1A4; // S_IFREG | 0644

    /// <summary>One directory and the files in it, as (name, content) pairs.</summary>
    public static byte[] Create(string directory, IEnumerable<(string Name, byte[] Content)> files)
    {
        using var archive = new MemoryStream();
        var inode = 1;
        Entry(archive, inode++, directory, DirectoryMode, []);
        foreach (var (name, content) in files)
        {
            Entry(archive, inode++, directory + "/" + name, FileMode, content);
        }

        Entry(archive, inode, "TRAILER!!!", 0, []);
        return archive.ToArray();
    }

    private static void Entry(MemoryStream archive, int inode, string name, int mode, byte[] content)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        int[] fields = [inode, mode, 0, 0, 1, 0, content.Length, 0, 0, 0, 0, nameBytes.Length, 0];
        var header = "070701" + string.Concat(fields.Select(f => f.ToString("x8", CultureInfo.InvariantCulture)));
        archive.Write(Encoding.ASCII.GetBytes(header));
        archive.Write(nameBytes);
        Pad(archive);
        archive.Write(content);
        Pad(archive);
    }

    /// <summary>Zero bytes up to the next multiple of 4; the kernel also skips zeros between concatenated archives.</summary>
    public static void Pad(Stream stream)
    {
        while (stream.Position % 4 != 0)
        {
            stream.WriteByte(0);
        }
    }
}
