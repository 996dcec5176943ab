namespace Rig.Hypervisor.Kvm;

/// <summary>
/// A table of 64-bit words in memory of its own: a file mapped MAP_SHARED, so separate processes see one table, or an
/// anonymous private mapping. Callers get spans and refs (atomic operations work on <see cref="this[int]"/>), never pointers.
/// </summary>
public sealed unsafe class MappedWords : IDisposable
{
    private readonly ulong* _words;

    private MappedWords(ulong* words, int count)
    {
        _words = words;
        Count = count;
    }

    public int Count { get; }

    private nuint Bytes => (nuint)Count * sizeof(ulong);

    public Span<ulong> Words => new(_words, Count);

    public ref ulong this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return ref _words[index];
        }
    }

    /// <summary>Maps <paramref name="path"/>, created if absent and sized to <paramref name="count"/> words (zeroes when new).</summary>
    public static MappedWords OpenShared(string path, int count)
    {
        int fd = Libc.Open(path, Libc.ORdWr | Libc.OCreat | Libc.OCloExec, 0x180);
        if (fd < 0)
        {
            throw KvmException.FromErrno($"open {path}");
        }

        try
        {
            long bytes = (long)count * sizeof(ulong);
            if (Libc.Ftruncate(fd, bytes) != 0)
            {
                throw KvmException.FromErrno($"ftruncate {path}");
            }

            nint map = Libc.Mmap(0, (nuint)bytes, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, fd, 0);
            return map == Libc.MapFailed ? throw KvmException.FromErrno($"mmap {path}") : new MappedWords((ulong*)map, count);
        }
        finally
        {
            Libc.Close(fd);
        }
    }

    /// <summary>A zeroed table private to this process.</summary>
    public static MappedWords OpenPrivate(int count)
    {
        nint map = Libc.Mmap(0, (nuint)count * sizeof(ulong), Libc.ProtRead | Libc.ProtWrite, Libc.MapPrivate | Libc.MapAnonymous, -1, 0);
        return map == Libc.MapFailed ? throw KvmException.FromErrno($"mmap of {count} words") : new MappedWords((ulong*)map, count);
    }

    public void Dispose() => Libc.Munmap((nint)_words, Bytes);
}
