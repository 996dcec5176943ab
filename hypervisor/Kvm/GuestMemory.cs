using Tmds.Linux;

namespace Rig.Hypervisor.Kvm;

/// <summary>
/// Guest RAM: one anonymous private mapping given to KVM as memory slot 0 at guest-physical 0, between two inaccessible
/// guard regions. Bounds-checked accessors so a hostile guest address (e.g. from start_info or a QMP pmemsave) can never
/// touch host memory; and should a computation escape the checks (an offset added twice, a length off by a page), the
/// access faults in the guard at once instead of reading or corrupting whatever the host mapped beside the guest's RAM.
/// </summary>
public sealed unsafe class GuestMemory : IDisposable
{
    /// <summary>Each guard region: PROT_NONE, so any access faults (mmap(2), mprotect(2)); address space only, no memory.</summary>
    public const ulong GuardBytes = 2UL << 20;

    private readonly byte* _reservation;

    public GuestMemory(ulong size)
    {
        if (size == 0 || size % 4096 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"guest RAM of {size} bytes is not a whole number of 4 KiB pages");
        }

        Size = size;
        _reservation = (byte*)LibC.mmap(null, (size_t)(size + 2 * GuardBytes), LibC.PROT_NONE,
            LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
        if (_reservation == LibC.MAP_FAILED)
        {
            throw KvmException.FromErrno($"mmap of {size} bytes of guest memory and its guard regions");
        }

        Host = _reservation + GuardBytes;
        if (LibC.mprotect(Host, (size_t)size, LibC.PROT_READ | LibC.PROT_WRITE) != 0)
        {
            var error = KvmException.FromErrno($"mprotect of {size} bytes of guest memory");
            LibC.munmap(_reservation, (size_t)(size + 2 * GuardBytes));
            throw error;
        }
    }

    public ulong Size { get; }

    internal byte* Host { get; }

    /// <summary>The host addresses of the guard regions below and above guest RAM, for a test that they are mapped inaccessible.</summary>
    internal (nuint Below, nuint Above) GuardRegions => ((nuint)_reservation, (nuint)(Host + Size));

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

    public void Dispose() => LibC.munmap(_reservation, (size_t)(Size + 2 * GuardBytes));
}
