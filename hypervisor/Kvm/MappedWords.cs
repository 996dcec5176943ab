using Tmds.Linux;

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

    private size_t Bytes => (size_t)((ulong)Count * sizeof(ulong));

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
        int fd = LibcGaps.Open(path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC, LibC.S_IRUSR | LibC.S_IWUSR);
        if (fd < 0)
        {
            throw KvmException.FromErrno($"open {path}");
        }

        try
        {
            long bytes = (long)count * sizeof(ulong);
            if (LibC.ftruncate(fd, bytes) != 0)
            {
                throw KvmException.FromErrno($"ftruncate {path}");
            }

            void* map = LibC.mmap(null, (size_t)(ulong)bytes, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
            return map == LibC.MAP_FAILED ? throw KvmException.FromErrno($"mmap {path}") : new MappedWords((ulong*)map, count);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <summary>A zeroed table private to this process.</summary>
    public static MappedWords OpenPrivate(int count)
    {
        void* map = LibC.mmap(null, (size_t)((ulong)count * sizeof(ulong)), LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        return map == LibC.MAP_FAILED ? throw KvmException.FromErrno($"mmap of {count} words") : new MappedWords((ulong*)map, count);
    }

    public void Dispose() => LibC.munmap(_words, Bytes);
}
