namespace Rig.Hypervisor.Qmp;

/// <summary>
/// pmemsave: guest-physical memory to a host file, as QEMU's qmp_pmemsave (softmmu/cpus.c). Copied in bounded chunks so a
/// hostile size cannot make the server allocate it; the VM refuses any range that is not RAM.
/// </summary>
internal static class PhysicalMemoryDump
{
    private const int ChunkBytes = 1 << 16;

    public static void Save(IVmControl vm, ulong address, ulong size, string filename)
    {
        FileStream file;
        try
        {
            file = new FileStream(filename, FileMode.Create, FileAccess.Write, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw QmpError.Generic($"Could not open '{filename}': {Reason(e)}");
        }

        using (file)
        {
            var chunk = new byte[ChunkBytes];
            ulong done = 0;
            while (done < size)
            {
                int length = (int)Math.Min((ulong)ChunkBytes, size - done);
                vm.ReadMemory(unchecked(address + done), chunk.AsSpan(0, length));
                try
                {
                    file.Write(chunk, 0, length);
                }
                catch (IOException e)
                {
                    throw QmpError.Generic($"writing to '{filename}' failed: {e.Message}");
                }

                done += (ulong)length;
            }
        }
    }

    /// <summary>QEMU prints strerror(errno); these are the texts for the failures .NET reports as distinct types.</summary>
    private static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        _ => e.Message,
    };
}
