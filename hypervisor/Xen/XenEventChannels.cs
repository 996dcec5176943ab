using Rig.Hypervisor.Defects;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// rig-hv's Xen event channels for one VM: the guest's ports (<see cref="EventChannelPorts"/>), the FIFO ABI's words in
/// guest RAM (<see cref="GuestFifoMemory"/>) and queues (<see cref="FifoEventQueues"/>), the upcall, and the host
/// backend that plays domain 0 (QMP x-rig-evtchn-bind / -send / -stats). Registers event_channel_op and hvm_op with the
/// Xen interface's dispatcher.
/// </summary>
public sealed class XenEventChannels
{
    private readonly IXenGuestMemory _memory;
    private readonly SharedInfoPublisher _sharedInfo;
    private readonly Action<int, byte> _inject;
    private readonly Action<int> _kick;
    private readonly byte[] _upcallVectors;
    private byte _callbackVector;
    private long _hostReceived;

    /// <param name="inject">Raises a vCPU's own upcall vector on its LAPIC (edge, fixed), as Xen does for HVMOP_set_evtchn_upcall_vector.</param>
    /// <param name="kick">
    /// Makes a vCPU look at <see cref="PendingCallbackVector"/> before it next runs (out of HLT too): Xen's vcpu_kick for the
    /// callback vector, which is not a LAPIC interrupt.
    /// </param>
    public XenEventChannels(XenGuestInterface xen, IXenGuestMemory memory, int vcpuCount, DefectSet defects, Action<int, byte> inject, Action<int> kick)
    {
        _memory = memory;
        _sharedInfo = xen.Publisher;
        _inject = inject;
        _kick = kick;
        _upcallVectors = new byte[vcpuCount];
        Ports = new EventChannelPorts(vcpuCount);
        Words = new GuestFifoMemory(memory, vcpuCount);
        Race = new ForcedLinkRace(memory, Words);
        Queues = new FifoEventQueues(Words, vcpuCount, defects, Upcall, Race.UnmaskWaitsForQueueLock);
        xen.Hypercalls.Register(XenHypercallNumber.EventChannelOp, new EventChannelOpHypercall(memory, this).Handle);
        xen.Hypercalls.Register(XenHypercallNumber.HvmOp, new HvmOpHypercall(memory, this, xen.Params).Handle);
    }

    public EventChannelPorts Ports { get; }

    public GuestFifoMemory Words { get; }

    public FifoEventQueues Queues { get; }

    /// <summary>A guest's send on an interdomain port to the host, on the sending vCPU's thread (the xen-pvh console's backend).</summary>
    public event Action<uint>? HostNotified;

    /// <summary>
    /// Seed 003's race forced on one tail for the host backend's sends (QMP x-rig-evtchn-link-race): off normally; the
    /// evtchn suite arms it so a guest's write lands inside each try of set_link whatever the host's scheduler does.
    /// </summary>
    public ForcedLinkRace Race { get; }

    /// <summary>Events the guest sent to the host backend over interdomain channels.</summary>
    public long HostReceived => Interlocked.Read(ref _hostReceived);

    /// <summary>After a bind: a new port's events go to its vCPU at the default priority (EVTCHN_FIFO_PRIORITY_DEFAULT).</summary>
    internal long Bound(long result, uint port)
    {
        if (result == 0)
        {
            Queues.SetRoute(port, Ports[port].Vcpu, FifoEventWord.PriorityDefault);
        }

        return result;
    }

    internal long Close(uint port)
    {
        long result = Ports.Close(port);
        if (result == 0)
        {
            Queues.Forget(port);
        }

        return result;
    }

    internal long GuestSend(uint port)
    {
        long result = Ports.Send(port, out uint? raised);
        if (result == 0 && raised is uint local)
        {
            Queues.Raise(local);
        }
        else if (result == 0 && Ports[port] is { State: EventChannelState.Interdomain, RemoteDomain: EventChannelPorts.HostDomain })
        {
            Interlocked.Increment(ref _hostReceived);
            HostNotified?.Invoke(port);
        }

        return result;
    }

    internal long BindVcpu(uint port, uint vcpu)
    {
        long result = Ports.BindVcpu(port, vcpu);
        if (result == 0)
        {
            Queues.SetRoute(port, (int)vcpu, Queues.PriorityOf(port));
        }

        return result;
    }

    internal long Unmask(uint port)
    {
        if (!Ports.IsBound(port))
        {
            return XenErrno.Einval;
        }

        Queues.Unmask(port);
        return 0;
    }

    /// <summary>A system reset: as EVTCHNOP_reset, and the upcall vectors and the forced race are gone too.</summary>
    public void ResetMachine()
    {
        Reset();
        Array.Clear(_upcallVectors);
        SetCallbackVector(0);
        Race.Disarm();
    }

    /// <summary>EVTCHNOP_reset of itself: every port closed and the FIFO ABI given up (Xen returns to the 2-level ABI).</summary>
    internal long Reset()
    {
        Ports.Reset();
        Words.Clear();
        Queues.Clear();
        return 0;
    }

    /// <summary>
    /// EVTCHNOP_init_control: -EINVAL for an offset not 8-aligned or leaving no room for the control block, a frame
    /// that is not RAM, or a vCPU that has one already; -ENOENT for no such vCPU.
    /// </summary>
    internal long InitControl(ulong gfn, uint offset, uint vcpu)
    {
        if (vcpu >= (uint)Ports.VcpuCount)
        {
            return XenErrno.Enoent;
        }

        if ((offset & 7) != 0 || offset > SharedInfoLayout.PageSize - FifoControlBlock.Size || gfn > ulong.MaxValue >> 12)
        {
            return XenErrno.Einval;
        }

        // Xen sets up the first event array page with the first control block; rig-hv waits for expand_array.
        return Words.SetControlBlock((int)vcpu, (gfn << 12) + offset) ? 0 : XenErrno.Einval;
    }

    /// <summary>EVTCHNOP_expand_array: -EOPNOTSUPP before init_control, -EINVAL for a frame that is not RAM or one page too many.</summary>
    internal long ExpandArray(ulong gfn)
    {
        if (!Enumerable.Range(0, Ports.VcpuCount).Any(Words.HasControlBlock))
        {
            return XenErrno.Eopnotsupp;
        }

        return gfn <= ulong.MaxValue >> 12 && Words.AddArrayPage(gfn << 12) ? 0 : XenErrno.Einval;
    }

    /// <summary>EVTCHNOP_set_priority: -EINVAL for a port that is not bound or a priority below EVTCHN_FIFO_PRIORITY_MIN.</summary>
    internal long SetPriority(uint port, uint priority)
    {
        if (!Ports.IsBound(port) || priority > FifoEventWord.PriorityLowest)
        {
            return XenErrno.Einval;
        }

        Queues.SetRoute(port, Ports[port].Vcpu, priority);
        return 0;
    }

    /// <summary>HVM_PARAM_CALLBACK_IRQ with the vector type: one vector for every vCPU.</summary>
    internal void SetCallbackVector(byte vector) => Volatile.Write(ref _callbackVector, vector);

    /// <summary>HVMOP_set_evtchn_upcall_vector: a vCPU's own vector, which wins over the callback vector.</summary>
    internal void SetUpcallVector(int vcpu, byte vector) => Volatile.Write(ref _upcallVectors[vcpu], vector);

    /// <summary>The host backend binds to a port the guest allocated for domain 0; false when there is none.</summary>
    public bool HostBind(uint port) => Ports.BindFromHost(port);

    /// <summary>The host backend notifies its end of <paramref name="port"/>: the guest's port is raised. False when the port is not an interdomain channel to the host.</summary>
    public bool HostSend(uint port)
    {
        if (Ports[port] is not { State: EventChannelState.Interdomain, RemoteDomain: EventChannelPorts.HostDomain })
        {
            return false;
        }

        Queues.Raise(port, Race.IsArmed ? Race.Park : null);
        return true;
    }

    /// <summary>The host raises <paramref name="virq"/> on <paramref name="vcpu"/>; false when the guest has not bound it there.</summary>
    public bool HostRaiseVirq(uint virq, int vcpu)
    {
        if (Ports.VirqPort(virq, vcpu) is not uint port)
        {
            return false;
        }

        Queues.Raise(port);
        return true;
    }

    /// <summary>
    /// HVM_PARAM_CALLBACK_IRQ's vector as Xen delivers it, level-like: hvm_vcpu_has_pending_irq (xen/arch/x86/hvm/irq.c)
    /// answers the callback vector for as long as the vCPU's evtchn_upcall_pending is set, ahead of the LAPIC and with no
    /// acknowledgement or EOI, so a guest taking it with interrupts enabled before clearing the flag gets it again at once
    /// (Linux clears the flag first, with IF=0, in xen_hvm_callback_vector's handler). 0 when no callback vector is named,
    /// the flag is clear, or shared_info is not mapped (rig-hv keeps the flag only in the guest's vcpu_info).
    /// </summary>
    public byte PendingCallbackVector(int vcpu)
    {
        byte vector = Volatile.Read(ref _callbackVector);
        return vector != 0 && UpcallPendingFlag(vcpu) is { Length: 1 } pending && Volatile.Read(ref pending[0]) != 0 ? vector : (byte)0;
    }

    /// <summary>
    /// Xen's vcpu_mark_events_pending: set evtchn_upcall_pending in the vCPU's vcpu_info, and only when it was clear
    /// signal the vCPU (hvm_assert_evtchn_irq): its own upcall vector as an edge through its LAPIC, else a kick that
    /// makes it find the callback vector pending (<see cref="PendingCallbackVector"/>).
    /// </summary>
    private void Upcall(int vcpu)
    {
        Span<byte> pending = UpcallPendingFlag(vcpu);
        if (pending.Length == 1 && Interlocked.Exchange(ref pending[0], 1) != 0)
        {
            return;
        }

        byte vector = Volatile.Read(ref _upcallVectors[vcpu]);
        if (vector != 0)
        {
            _inject(vcpu, vector);
        }
        else if (Volatile.Read(ref _callbackVector) != 0)
        {
            _kick(vcpu);
        }
    }

    /// <summary>The vCPU's evtchn_upcall_pending byte in shared_info's vcpu_info; empty when shared_info is not mapped or the vCPU is past the legacy array.</summary>
    private Span<byte> UpcallPendingFlag(int vcpu) =>
        _sharedInfo.SharedInfoGpa is ulong shared && vcpu < SharedInfoLayout.LegacyMaxVcpus
            ? _memory.Physical(shared + (ulong)(SharedInfoLayout.VcpuInfoArrayOffset + vcpu * SharedInfoLayout.VcpuInfoSize + SharedInfoLayout.VcpuInfoUpcallPendingOffset), 1)
            : [];
}
