using System.Buffers.Binary;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// __HYPERVISOR_hvm_op (xen/include/public/hvm/hvm_op.h), the two ways an HVM guest names its event channel upcall:
/// HVMOP_set_param of HVM_PARAM_CALLBACK_IRQ with the vector type (hvm/params.h: type in bits 63:56, 2 = vector,
/// vector in bits 7:0), and HVMOP_set_evtchn_upcall_vector per vCPU; and HVMOP_get_param of what the domain builder set
/// (<see cref="HvmParams"/>: the PV console's page and port). cmd in RDI, pointer in RSI.
/// </summary>
public sealed class HvmOpHypercall(IXenGuestMemory memory, XenEventChannels channels, HvmParams parameters)
{
    public const ulong SetParam = 0;
    public const ulong GetParam = 1;
    public const ulong SetEvtchnUpcallVector = 23;
    public const uint ParamCallbackIrq = 0;
    public const ulong CallbackTypeVector = 2;

    /// <summary>Vectors below 0x10 are exceptions' (Xen refuses them with -EINVAL).</summary>
    private const byte LowestVector = 0x10;

    public long Handle(int vcpu, HypercallArguments arguments) => arguments.Rdi switch
    {
        SetParam => SetCallback(vcpu, arguments.Rsi),
        GetParam => ReadParam(vcpu, arguments.Rsi),
        SetEvtchnUpcallVector => SetUpcallVector(vcpu, arguments.Rsi),
        _ => XenErrno.Enosys,
    };

    /// <summary>struct xen_hvm_param { domid_t domid; uint32_t index; uint64_t value; }; other params are not offered.</summary>
    private long SetCallback(int vcpu, ulong pointer)
    {
        if (GuestLinearAccess.Read(memory, vcpu, pointer, 16) is not byte[] request)
        {
            return XenErrno.Efault;
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(request) != EventChannelPorts.DomidSelf)
        {
            return XenErrno.Esrch;
        }

        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(request.AsSpan(8));
        if (BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(4)) != ParamCallbackIrq || value >> 56 != CallbackTypeVector)
        {
            return XenErrno.Enosys;
        }

        if ((byte)value < LowestVector)
        {
            return XenErrno.Einval;
        }

        channels.SetCallbackVector((byte)value);
        return 0;
    }

    /// <summary>struct xen_hvm_param with the value written back: -EINVAL for an index at or past HVM_NR_PARAMS.</summary>
    private long ReadParam(int vcpu, ulong pointer)
    {
        if (GuestLinearAccess.Read(memory, vcpu, pointer, 16) is not byte[] request)
        {
            return XenErrno.Efault;
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(request) != EventChannelPorts.DomidSelf)
        {
            return XenErrno.Esrch;
        }

        if (parameters.Get(BinaryPrimitives.ReadUInt32LittleEndian(request.AsSpan(4))) is not ulong value)
        {
            return XenErrno.Einval;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(request.AsSpan(8), value);
        return GuestLinearAccess.TryWrite(memory, vcpu, pointer, request) ? 0 : XenErrno.Efault;
    }

    /// <summary>struct xen_hvm_evtchn_upcall_vector { uint32_t vcpu; uint8_t vector; }.</summary>
    private long SetUpcallVector(int caller, ulong pointer)
    {
        if (GuestLinearAccess.Read(memory, caller, pointer, 5) is not byte[] request)
        {
            return XenErrno.Efault;
        }

        uint vcpu = BinaryPrimitives.ReadUInt32LittleEndian(request);
        if (vcpu >= (uint)channels.Ports.VcpuCount)
        {
            return XenErrno.Enoent;
        }

        if (request[4] < LowestVector)
        {
            return XenErrno.Einval;
        }

        channels.SetUpcallVector((int)vcpu, request[4]);
        return 0;
    }
}
