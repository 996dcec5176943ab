using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>
/// Guest RAM: one anonymous private mapping given to KVM as memory slot 0 at guest-physical 0.
/// Bounds-checked accessors so a hostile guest address (e.g. from start_info or a QMP pmemsave) can never touch host memory.
/// </summary>
public sealed unsafe class GuestMemory : IDisposable
{
    public GuestMemory(ulong size)
    {
        Size = size;
        Host = (byte*)LibC.mmap(null, (size_t)size, LibC.PROT_READ | LibC.PROT_WRITE,
            LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
        if (Host == LibC.MAP_FAILED)
        {
            throw KvmException.FromErrno($"mmap of {size} bytes of guest memory");
        }
    }

    public ulong Size { get; }

    internal byte* Host { get; }

    public bool Contains(ulong gpa, ulong length) => length <= Size && gpa <= Size - length;

    public Span<byte> Slice(ulong gpa, int length) =>
        Contains(gpa, (ulong)length)
            ? new Span<byte>(Host + gpa, length)
            : throw new ArgumentOutOfRangeException(nameof(gpa), $"guest range 0x{gpa:x}+0x{length:x} is not RAM");

    /// <summary>A copy of all of RAM (an in-memory snapshot holds at most 2 GiB).</summary>
    public byte[] ToArray() => new ReadOnlySpan<byte>(Host, checked((int)Size)).ToArray();

    /// <summary>Puts back RAM saved by <see cref="ToArray"/>.</summary>
    public void Load(ReadOnlySpan<byte> saved)
    {
        if ((ulong)saved.Length != Size)
        {
            throw new ArgumentException($"saved RAM is {saved.Length} bytes, this VM has {Size}", nameof(saved));
        }

        saved.CopyTo(new Span<byte>(Host, saved.Length));
    }

    /// <summary>Zeroes all of RAM cheaply: the kernel drops the pages and the next touch maps zero pages.</summary>
    public void Clear()
    {
        if (LibC.madvise(Host, (size_t)Size, LibC.MADV_DONTNEED) != 0)
        {
            throw KvmException.FromErrno("madvise(MADV_DONTNEED) of guest memory");
        }
    }

    public void Dispose() => LibC.munmap(Host, (size_t)Size);
}
