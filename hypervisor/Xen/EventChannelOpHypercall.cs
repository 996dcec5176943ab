using System.Buffers.Binary;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// __HYPERVISOR_event_channel_op (xen/include/public/event_channel.h): cmd in RDI, a pointer to the command's struct
/// in RSI. Layouts are the x86-64 ones (domid_t u16, evtchn_port_t u32); OUT fields are written back to the struct.
/// </summary>
public sealed class EventChannelOpHypercall(IXenGuestMemory memory, XenEventChannels channels)
{
    public const ulong BindInterdomain = 0;
    public const ulong BindVirq = 1;
    public const ulong Close = 3;
    public const ulong Send = 4;
    public const ulong Status = 5;
    public const ulong AllocUnbound = 6;
    public const ulong BindIpi = 7;
    public const ulong BindVcpu = 8;
    public const ulong Unmask = 9;
    public const ulong Reset = 10;
    public const ulong InitControl = 11;
    public const ulong ExpandArray = 12;
    public const ulong SetPriority = 13;

    public long Handle(int vcpu, HypercallArguments arguments)
    {
        int size = arguments.Rdi switch
        {
            BindInterdomain or BindVirq => 12,
            Close or Send or Unmask => 4,
            Status or InitControl => 24,
            AllocUnbound or BindIpi or BindVcpu or ExpandArray or SetPriority => 8,
            Reset => 2,
            _ => 0,
        };
        if (size == 0)
        {
            return XenErrno.Enosys;
        }

        if (GuestLinearAccess.Read(memory, vcpu, arguments.Rsi, size) is not byte[] request)
        {
            return XenErrno.Efault;
        }

        long result = Run(arguments.Rdi, request);
        return result == 0 && !GuestLinearAccess.TryWrite(memory, vcpu, arguments.Rsi, request) ? XenErrno.Efault : result;
    }

    private long Run(ulong command, byte[] r)
    {
        var ports = channels.Ports;
        Span<byte> s = r;
        switch (command)
        {
            case BindInterdomain:
                // struct evtchn_bind_interdomain { domid_t remote_dom; evtchn_port_t remote_port; OUT local_port; }
                return BinaryPrimitives.ReadUInt16LittleEndian(s) != EventChannelPorts.DomidSelf
                    ? XenErrno.Einval
                    : Out(s[8..], channels.Bound(ports.BindLoopback(U32(s[4..]), out uint local), local), local);
            case BindVirq:
                // struct evtchn_bind_virq { uint32_t virq; uint32_t vcpu; OUT evtchn_port_t port; }
                return Out(s[8..], channels.Bound(ports.BindVirq(U32(s), U32(s[4..]), out uint virq), virq), virq);
            case Close:
                return channels.Close(U32(s));
            case Send:
                return channels.GuestSend(U32(s));
            case Status:
                return ReadStatus(s);
            case AllocUnbound:
                // struct evtchn_alloc_unbound { domid_t dom, remote_dom; OUT evtchn_port_t port; }
                return BinaryPrimitives.ReadUInt16LittleEndian(s) != EventChannelPorts.DomidSelf
                    ? XenErrno.Eperm
                    : Out(s[4..], channels.Bound(ports.AllocUnbound(BinaryPrimitives.ReadUInt16LittleEndian(s[2..]), out uint unbound), unbound), unbound);
            case BindIpi:
                // struct evtchn_bind_ipi { uint32_t vcpu; OUT evtchn_port_t port; }
                return Out(s[4..], channels.Bound(ports.BindIpi(U32(s), out uint ipi), ipi), ipi);
            case BindVcpu:
                return channels.BindVcpu(U32(s), U32(s[4..]));
            case Unmask:
                return channels.Unmask(U32(s));
            case Reset:
                // struct evtchn_reset { domid_t dom; }: a guest resets only itself.
                return BinaryPrimitives.ReadUInt16LittleEndian(s) != EventChannelPorts.DomidSelf ? XenErrno.Esrch : channels.Reset();
            case InitControl:
                // struct evtchn_init_control { uint64_t control_gfn; uint32_t offset; uint32_t vcpu; OUT uint8_t link_bits; }
                long init = channels.InitControl(BinaryPrimitives.ReadUInt64LittleEndian(s), U32(s[8..]), U32(s[12..]));
                s[16] = FifoEventWord.LinkBits;
                return init;
            case ExpandArray:
                return channels.ExpandArray(BinaryPrimitives.ReadUInt64LittleEndian(s));
            default:
                // struct evtchn_set_priority { evtchn_port_t port; uint32_t priority; }
                return channels.SetPriority(U32(s), U32(s[4..]));
        }
    }

    /// <summary>struct evtchn_status { domid_t dom; evtchn_port_t port; OUT uint32_t status, vcpu; OUT union u; }.</summary>
    private long ReadStatus(Span<byte> s)
    {
        if (BinaryPrimitives.ReadUInt16LittleEndian(s) != EventChannelPorts.DomidSelf)
        {
            return XenErrno.Esrch;
        }

        uint port = U32(s[4..]);
        if (port >= EventChannelPorts.Capacity)
        {
            return XenErrno.Einval;
        }

        var p = channels.Ports[port];
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], (uint)p.State);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], (uint)p.Vcpu);
        s[16..].Clear();
        switch (p.State)
        {
            case EventChannelState.Unbound:
                BinaryPrimitives.WriteUInt16LittleEndian(s[16..], p.RemoteDomain);
                break;
            case EventChannelState.Interdomain:
                BinaryPrimitives.WriteUInt16LittleEndian(s[16..], p.RemoteDomain);
                BinaryPrimitives.WriteUInt32LittleEndian(s[20..], p.RemotePort);
                break;
            case EventChannelState.Virq:
                BinaryPrimitives.WriteUInt32LittleEndian(s[16..], p.Virq);
                break;
        }

        return 0;
    }

    private static uint U32(ReadOnlySpan<byte> s) => BinaryPrimitives.ReadUInt32LittleEndian(s);

    private static long Out(Span<byte> field, long result, uint port)
    {
        if (result == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(field, port);
        }

        return result;
    }
}
