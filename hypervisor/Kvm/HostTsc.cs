namespace Rig.Hypervisor.Kvm;

/// <summary>
/// Reads the host TSC. .NET has no RDTSC intrinsic, so a 10-byte stub (rdtsc; shl rdx,32; or rax,rdx; ret) is placed in an
/// executable page of its own and called as an unmanaged function pointer.
/// </summary>
public static unsafe class HostTsc
{
    private static readonly delegate* unmanaged<ulong> Stub = CreateStub();

    public static ulong Read() => Stub();

    private static delegate* unmanaged<ulong> CreateStub()
    {
        ReadOnlySpan<byte> code = [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3];
        nint page = Libc.Mmap(0, 4096, Libc.ProtRead | Libc.ProtWrite, Libc.MapPrivate | Libc.MapAnonymous, -1, 0);
        if (page == Libc.MapFailed)
        {
            throw KvmException.FromErrno("mmap of the rdtsc stub");
        }

        code.CopyTo(new Span<byte>((void*)page, code.Length));
        if (Libc.Mprotect(page, 4096, Libc.ProtRead | Libc.ProtExec) != 0)
        {
            throw KvmException.FromErrno("mprotect of the rdtsc stub");
        }

        return (delegate* unmanaged<ulong>)page;
    }
}
