using System.Buffers.Binary;
using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// <see cref="IXenGuestMemory"/> over rig-hv's guest RAM. The core supplies each vCPU's paging registers (from
/// KVM_GET_SREGS, which is why translation happens only on the vCPU's own thread during an exit).
/// </summary>
public sealed class KvmXenGuestMemory(GuestMemory ram, Func<int, GuestPageWalk.PagingState> pagingOf) : IXenGuestMemory
{
    public ulong? TranslateLinear(int vcpu, ulong linear) =>
        GuestPageWalk.Translate(pagingOf(vcpu), linear, ReadEntry);

    public Span<byte> Physical(ulong gpa, int length) =>
        length >= 0 && ram.Contains(gpa, (ulong)length) ? ram.Slice(gpa, length) : [];

    private ulong? ReadEntry(ulong gpa, int size)
    {
        Span<byte> bytes = Physical(gpa, size);
        if (bytes.Length != size)
        {
            return null;
        }

        return size == sizeof(uint) ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
