namespace Rig.Hypervisor.Xen;

/// <summary>EVTCHNSTAT_* of xen/include/public/event_channel.h: what a port is bound to.</summary>
public enum EventChannelState : uint
{
    Closed = 0,
    Unbound = 1,
    Interdomain = 2,
    Pirq = 3,
    Virq = 4,
    Ipi = 5,
}

/// <summary>One port's binding: its state, the vCPU its events are sent to, and what it is bound to.</summary>
public readonly record struct EventChannelPort(EventChannelState State, int Vcpu, ushort RemoteDomain, uint RemotePort, uint Virq);

/// <summary>
/// The guest's ports and their bindings (xen/common/event_channel.c semantics; the rig's host is domain 0, the other
/// end of interdomain channels). Port 0 is reserved and never bound. Every result is an errno of the hypercall.
/// </summary>
public sealed class EventChannelPorts(int vcpuCount)
{
    /// <summary>NR_VIRQS in xen/include/public/xen.h.</summary>
    public const uint VirqCount = 24;

    /// <summary>Ports this guest may bind: the first four pages of the event array; a small guest needs no more.</summary>
    public const uint Capacity = 4 * FifoEventWord.WordsPerPage;

    public const ushort DomidSelf = 0x7FF0;

    /// <summary>The rig's host backend plays domain 0.</summary>
    public const ushort HostDomain = 0;

    private readonly EventChannelPort[] _ports = new EventChannelPort[Capacity];

    /// <summary>Xen's per-vCPU virq_to_evtchn[]: a VIRQ raised at a host-driven rate must not search the ports.</summary>
    private readonly uint[,] _virqPorts = new uint[VirqCount, vcpuCount];

    private readonly Lock _sync = new();

    public int VcpuCount => vcpuCount;

    public EventChannelPort this[uint port]
    {
        get
        {
            lock (_sync)
            {
                return port < Capacity ? _ports[port] : default;
            }
        }
    }

    public bool IsBound(uint port) => port is > 0 and < Capacity && this[port].State != EventChannelState.Closed;

    /// <summary>EVTCHNOP_alloc_unbound: a port that domain <paramref name="remoteDomain"/> may bind to.</summary>
    public long AllocUnbound(ushort remoteDomain, out uint port) =>
        Allocate(new EventChannelPort(EventChannelState.Unbound, 0, remoteDomain, 0, 0), out port);

    /// <summary>EVTCHNOP_bind_interdomain to one of this guest's own unbound ports (loopback: remote_dom DOMID_SELF).</summary>
    public long BindLoopback(uint remotePort, out uint port)
    {
        port = 0;
        lock (_sync)
        {
            if (remotePort is 0 or >= Capacity || _ports[remotePort].State != EventChannelState.Unbound ||
                _ports[remotePort].RemoteDomain != DomidSelf)
            {
                return XenErrno.Einval;
            }

            long result = Allocate(new EventChannelPort(EventChannelState.Interdomain, 0, DomidSelf, remotePort, 0), out port);
            if (result == 0)
            {
                _ports[remotePort] = _ports[remotePort] with { State = EventChannelState.Interdomain, RemotePort = port };
            }

            return result;
        }
    }

    /// <summary>The host backend binds to an unbound port the guest offered to domain 0.</summary>
    public bool BindFromHost(uint port)
    {
        lock (_sync)
        {
            if (port is 0 or >= Capacity || _ports[port].State != EventChannelState.Unbound || _ports[port].RemoteDomain != HostDomain)
            {
                return false;
            }

            _ports[port] = _ports[port] with { State = EventChannelState.Interdomain, RemotePort = port };
            return true;
        }
    }

    /// <summary>EVTCHNOP_bind_virq: -EINVAL for a VIRQ beyond NR_VIRQS, -ENOENT for no such vCPU, -EEXIST when bound already.</summary>
    public long BindVirq(uint virq, uint vcpu, out uint port)
    {
        port = 0;
        if (virq >= VirqCount)
        {
            return XenErrno.Einval;
        }

        if (vcpu >= (uint)vcpuCount)
        {
            return XenErrno.Enoent;
        }

        lock (_sync)
        {
            if (_virqPorts[virq, vcpu] != 0)
            {
                return XenErrno.Eexist;
            }

            long result = Allocate(new EventChannelPort(EventChannelState.Virq, (int)vcpu, 0, 0, virq), out port);
            _virqPorts[virq, vcpu] = port;
            return result;
        }
    }

    /// <summary>EVTCHNOP_bind_ipi: -ENOENT for no such vCPU.</summary>
    public long BindIpi(uint vcpu, out uint port)
    {
        port = 0;
        return vcpu >= (uint)vcpuCount ? XenErrno.Enoent : Allocate(new EventChannelPort(EventChannelState.Ipi, (int)vcpu, 0, 0, 0), out port);
    }

    /// <summary>EVTCHNOP_bind_vcpu: where an interdomain or unbound port's events go (a VIRQ and an IPI keep theirs: -EINVAL).</summary>
    public long BindVcpu(uint port, uint vcpu)
    {
        if (vcpu >= (uint)vcpuCount)
        {
            return XenErrno.Enoent;
        }

        lock (_sync)
        {
            if (port is 0 or >= Capacity || _ports[port].State is not (EventChannelState.Interdomain or EventChannelState.Unbound))
            {
                return XenErrno.Einval;
            }

            _ports[port] = _ports[port] with { Vcpu = (int)vcpu };
            return 0;
        }
    }

    /// <summary>EVTCHNOP_close: -EINVAL for a port that is not bound; a loopback peer goes back to unbound.</summary>
    public long Close(uint port)
    {
        lock (_sync)
        {
            if (port is 0 or >= Capacity || _ports[port].State == EventChannelState.Closed)
            {
                return XenErrno.Einval;
            }

            var closing = _ports[port];
            if (closing is { State: EventChannelState.Interdomain, RemoteDomain: DomidSelf })
            {
                _ports[closing.RemotePort] = _ports[closing.RemotePort] with { State = EventChannelState.Unbound, RemotePort = 0 };
            }
            else if (closing.State == EventChannelState.Virq)
            {
                _virqPorts[closing.Virq, closing.Vcpu] = 0;
            }

            _ports[port] = default;
            return 0;
        }
    }

    /// <summary>
    /// EVTCHNOP_send: the port whose event is raised, or null when nothing is raised: an unbound port drops the send
    /// silently (result 0), a closed port or a VIRQ is -EINVAL. An interdomain port to the host raises nothing here:
    /// the host backend counts it.
    /// </summary>
    public long Send(uint port, out uint? raised)
    {
        raised = null;
        var p = this[port];
        switch (p.State)
        {
            case EventChannelState.Ipi:
                raised = port;
                return 0;
            case EventChannelState.Interdomain:
                raised = p.RemoteDomain == DomidSelf ? p.RemotePort : null;
                return 0;
            case EventChannelState.Unbound:
                return 0;
            default:
                return XenErrno.Einval;
        }
    }

    /// <summary>The port bound to <paramref name="virq"/> on <paramref name="vcpu"/>, if any.</summary>
    public uint? VirqPort(uint virq, int vcpu)
    {
        if (virq >= VirqCount || vcpu < 0 || vcpu >= vcpuCount)
        {
            return null;
        }

        lock (_sync)
        {
            return _virqPorts[virq, vcpu] is uint port and not 0 ? port : null;
        }
    }

    /// <summary>EVTCHNOP_reset: every port closed.</summary>
    public void Reset()
    {
        lock (_sync)
        {
            Array.Clear(_ports);
            Array.Clear(_virqPorts);
        }
    }

    private long Allocate(EventChannelPort binding, out uint port)
    {
        lock (_sync)
        {
            for (port = 1; port < Capacity; port++)
            {
                if (_ports[port].State == EventChannelState.Closed)
                {
                    _ports[port] = binding;
                    return 0;
                }
            }

            port = 0;
            return XenErrno.Enospc;
        }
    }
}
