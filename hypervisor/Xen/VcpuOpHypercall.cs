using System.Buffers.Binary;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// __HYPERVISOR_vcpu_op (xen/include/public/vcpu.h), of which rig-hv implements
/// VCPUOP_register_vcpu_time_memory_area: a second copy of a vCPU's vcpu_time_info at an address the guest chooses
/// (Linux maps it into user space for its vDSO). cmd in RDI, vCPU id in RSI, pointer in RDX.
/// </summary>
public sealed class VcpuOpHypercall(IXenGuestMemory memory, SharedInfoPublisher publisher, XenClock clock)
{
    public const ulong RegisterVcpuTimeMemoryArea = 13;

    public long Handle(int vcpu, HypercallArguments arguments)
    {
        if (arguments.Rsi >= (ulong)clock.VcpuCount)
        {
            return XenErrno.Enoent;
        }

        int target = (int)arguments.Rsi;
        return arguments.Rdi switch
        {
            RegisterVcpuTimeMemoryArea => RegisterTimeArea(vcpu, target, arguments.Rdx),
            _ => XenErrno.Enosys,
        };
    }

    /// <summary>
    /// The argument is struct vcpu_register_time_memory_area { uint64_t addr; }, a guest-linear address; 0 unregisters
    /// (Xen then has a null handle and skips the update). Xen faults (-EFAULT) when the argument cannot be read. The
    /// address is translated now, in the caller's address space; a record straddling two pages is refused (-EINVAL),
    /// a restriction of rig-hv: it keeps one guest-physical address per vCPU.
    /// </summary>
    private long RegisterTimeArea(int caller, int target, ulong pointer)
    {
        if (GuestLinearAccess.Read(memory, caller, pointer, sizeof(ulong)) is not byte[] argument)
        {
            return XenErrno.Efault;
        }

        ulong linear = BinaryPrimitives.ReadUInt64LittleEndian(argument);
        if (linear == 0)
        {
            publisher.SetTimeArea(target, null);
            return 0;
        }

        if (linear % SharedInfoLayout.PageSize > SharedInfoLayout.PageSize - VcpuTimeInfo.Size)
        {
            return XenErrno.Einval;
        }

        if (memory.TranslateLinear(caller, linear) is not ulong gpa ||
            memory.Physical(gpa, VcpuTimeInfo.Size).Length != VcpuTimeInfo.Size)
        {
            return XenErrno.Efault;
        }

        publisher.SetTimeArea(target, gpa);
        clock.Republish(target);
        return 0;
    }
}
