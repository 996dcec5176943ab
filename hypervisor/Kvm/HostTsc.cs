using Tmds.Linux;

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
        void* page = LibC.mmap(null, 4096, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        if (page == LibC.MAP_FAILED)
        {
            throw KvmException.FromErrno("mmap of the rdtsc stub");
        }

        code.CopyTo(new Span<byte>(page, code.Length));
        if (LibC.mprotect(page, 4096, LibC.PROT_READ | LibC.PROT_EXEC) != 0)
        {
            throw KvmException.FromErrno("mprotect of the rdtsc stub");
        }

        return (delegate* unmanaged<ulong>)page;
    }
}
