using System.Buffers.Binary;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>event_channel_op and hvm_op as a guest calls them through the dispatcher, with the host backend on the other end.</summary>
public sealed class EventChannelOpTests : IDisposable
{
    private const ulong ArgumentGpa = 0x3000;
    private const ulong ControlGpa = 0x4000;
    private const ulong ArrayGpa = 0x6000;
    private const ulong SharedInfoGpa = 0x8000;

    private readonly FakeGuestMemory _memory = new(64 * 1024);
    private readonly XenGuestInterface _xen;
    private readonly XenEventChannels _channels;
    private readonly List<(int Vcpu, byte Vector)> _injected = [];
    private readonly List<int> _kicked = [];

    public EventChannelOpTests()
    {
        _xen = new XenGuestInterface(new FakeGuestTsc(2, 2_446_000_000), _memory, new FakeHostClock(), 2, DefectSet.None,
            tscStable: true, TimeSpan.FromHours(1));
        _channels = new XenEventChannels(_xen, _memory, 2, DefectSet.None, (vcpu, vector) => _injected.Add((vcpu, vector)), _kicked.Add);
    }

    public void Dispose() => _xen.Dispose();

    [Fact]
    public void A_host_send_on_an_interdomain_port_reaches_the_guests_queue_and_upcalls_on_its_vector()
    {
        SetUpFifo();
        Assert.Equal(0, Call(XenHypercallNumber.HvmOp, HvmOpHypercall.SetEvtchnUpcallVector, [0, 0, 0, 0, 0xF3]));
        uint port = HostBoundPort();

        Assert.True(_channels.HostSend(port));

        Assert.Equal(FifoEventWord.Pending | FifoEventWord.Linked, Word(ArrayGpa + port * 4));
        Assert.Equal(port, Word(ControlGpa + (ulong)FifoControlBlock.HeadAt((int)FifoEventWord.PriorityDefault)));
        Assert.Equal([(0, (byte)0xF3)], _injected);
        Assert.Equal(0, _channels.PendingCallbackVector(0));
    }

    [Fact]
    public void The_callback_vector_is_offered_until_the_guest_clears_evtchn_upcall_pending_and_never_through_the_lapic()
    {
        SetUpFifo();
        Assert.Equal(0, Call(XenHypercallNumber.MemoryOp, MemoryOpHypercall.AddToPhysmap, SharedInfoAt(SharedInfoGpa >> 12)));
        Assert.Equal(0, Call(XenHypercallNumber.HvmOp, HvmOpHypercall.SetParam, Param(EventChannelPorts.DomidSelf, HvmOpHypercall.ParamCallbackIrq, HvmOpHypercall.CallbackTypeVector << 56 | 0xF3)));
        uint port = HostBoundPort();
        Assert.Equal(0, _channels.PendingCallbackVector(0));

        Assert.True(_channels.HostSend(port));

        // Offered again after being taken: nothing acknowledges it, as hvm_vcpu_has_pending_irq in Xen.
        Assert.Equal(0xF3, _channels.PendingCallbackVector(0));
        Assert.Equal(0xF3, _channels.PendingCallbackVector(0));
        Assert.Equal(0, _channels.PendingCallbackVector(1));
        Assert.Equal([0], _kicked);
        Assert.Empty(_injected);

        _memory.At(SharedInfoGpa + SharedInfoLayout.VcpuInfoArrayOffset + SharedInfoLayout.VcpuInfoUpcallPendingOffset, 1)[0] = 0;
        Assert.Equal(0, _channels.PendingCallbackVector(0));
    }

    [Fact]
    public void Status_reports_an_interdomain_port_and_its_peer()
    {
        SetUpFifo();
        Call(EventChannelOpHypercall.AllocUnbound, [0xF0, 0x7F, 0, 0, 0, 0, 0, 0]);
        uint port = BinaryPrimitives.ReadUInt32LittleEndian(_memory.At(ArgumentGpa + 4, 4));
        _channels.HostBind(port);

        byte[] status = new byte[24];
        BinaryPrimitives.WriteUInt16LittleEndian(status, EventChannelPorts.DomidSelf);
        BinaryPrimitives.WriteUInt32LittleEndian(status.AsSpan(4), port);
        Assert.Equal(0, Call(EventChannelOpHypercall.Status, status));

        Assert.Equal((uint)EventChannelState.Interdomain, Word(ArgumentGpa + 8));
        Assert.Equal(port, Word(ArgumentGpa + 20));
    }

    [Theory]
    [InlineData(EventChannelOpHypercall.Send, 0u, 0u, XenErrno.Einval)] // port 0 is reserved
    [InlineData(EventChannelOpHypercall.Close, 9u, 0u, XenErrno.Einval)] // never bound
    [InlineData(EventChannelOpHypercall.BindVirq, 24u, 0u, XenErrno.Einval)] // NR_VIRQS
    [InlineData(EventChannelOpHypercall.BindVirq, 0u, 2u, XenErrno.Enoent)] // no vCPU 2
    [InlineData(EventChannelOpHypercall.BindIpi, 5u, 0u, XenErrno.Enoent)]
    [InlineData(EventChannelOpHypercall.SetPriority, 9u, 3u, XenErrno.Einval)]
    [InlineData(EventChannelOpHypercall.Unmask, 9u, 0u, XenErrno.Einval)]
    [InlineData(99UL, 0u, 0u, XenErrno.Enosys)]
    public void Bad_arguments_get_xens_error_codes(ulong command, uint first, uint second, long expected)
    {
        byte[] request = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(request, first);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(4), second);
        Assert.Equal(expected, Call(command, request));
    }

    [Fact]
    public void Init_control_refuses_a_misaligned_offset_a_missing_vcpu_and_a_second_block()
    {
        Assert.Equal(XenErrno.Einval, Call(EventChannelOpHypercall.InitControl, InitControl(ControlGpa >> 12, 4, 0)));
        Assert.Equal(XenErrno.Enoent, Call(EventChannelOpHypercall.InitControl, InitControl(ControlGpa >> 12, 0, 2)));
        Assert.Equal(XenErrno.Eopnotsupp, Call(EventChannelOpHypercall.ExpandArray, BitConverter.GetBytes(ArrayGpa >> 12)));
        Assert.Equal(0, Call(EventChannelOpHypercall.InitControl, InitControl(ControlGpa >> 12, 0, 0)));
        Assert.Equal(FifoEventWord.LinkBits, _memory.At(ArgumentGpa + 16, 1)[0]);
        Assert.Equal(XenErrno.Einval, Call(EventChannelOpHypercall.InitControl, InitControl(ControlGpa >> 12, 0, 0)));
    }

    [Fact]
    public void A_loopback_channel_raises_the_peer_and_an_ipi_its_own_port()
    {
        SetUpFifo();
        Call(EventChannelOpHypercall.AllocUnbound, [0xF0, 0x7F, 0xF0, 0x7F, 0, 0, 0, 0]);
        uint unbound = Word(ArgumentGpa + 4);
        byte[] bind = new byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(bind, EventChannelPorts.DomidSelf);
        BinaryPrimitives.WriteUInt32LittleEndian(bind.AsSpan(4), unbound);
        Assert.Equal(0, Call(EventChannelOpHypercall.BindInterdomain, bind));
        uint local = Word(ArgumentGpa + 8);

        Assert.Equal(0, Call(EventChannelOpHypercall.Send, BitConverter.GetBytes(local)));
        Assert.Equal(FifoEventWord.Pending | FifoEventWord.Linked, Word(ArrayGpa + unbound * 4));

        Assert.Equal(0, Call(EventChannelOpHypercall.BindIpi, [0, 0, 0, 0, 0, 0, 0, 0]));
        uint ipi = Word(ArgumentGpa + 4);
        Assert.Equal(0, Call(EventChannelOpHypercall.Send, BitConverter.GetBytes(ipi)));
        Assert.Equal(ipi, FifoEventWord.Link(Word(ArrayGpa + unbound * 4)));
    }

    private void SetUpFifo()
    {
        Assert.Equal(0, Call(EventChannelOpHypercall.InitControl, InitControl(ControlGpa >> 12, 0, 0)));
        Assert.Equal(0, Call(EventChannelOpHypercall.ExpandArray, BitConverter.GetBytes(ArrayGpa >> 12)));
    }

    private static byte[] InitControl(ulong gfn, uint offset, uint vcpu)
    {
        byte[] request = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(request, gfn);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(8), offset);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(12), vcpu);
        return request;
    }

    /// <summary>A port the guest allocated for domain 0, bound by the host backend.</summary>
    private uint HostBoundPort()
    {
        Assert.Equal(0, Call(EventChannelOpHypercall.AllocUnbound, [0xF0, 0x7F, 0, 0, 0, 0, 0, 0]));
        uint port = Word(ArgumentGpa + 4);
        Assert.True(_channels.HostBind(port));
        return port;
    }

    /// <summary>struct xen_add_to_physmap placing shared_info at <paramref name="gpfn"/> (public/memory.h).</summary>
    private static byte[] SharedInfoAt(ulong gpfn)
    {
        byte[] request = new byte[MemoryOpHypercall.AddToPhysmapSize];
        BinaryPrimitives.WriteUInt16LittleEndian(request, MemoryOpHypercall.DomidSelf);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(MemoryOpHypercall.SpaceOffset), MemoryOpHypercall.MapSpaceSharedInfo);
        BinaryPrimitives.WriteUInt64LittleEndian(request.AsSpan(MemoryOpHypercall.GpfnOffset), gpfn);
        return request;
    }

    private static byte[] Param(ushort domid, uint index, ulong value)
    {
        byte[] request = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(request, domid);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(4), index);
        BinaryPrimitives.WriteUInt64LittleEndian(request.AsSpan(8), value);
        return request;
    }

    private uint Word(ulong gpa) => BinaryPrimitives.ReadUInt32LittleEndian(_memory.At(gpa, 4));

    private long Call(ulong command, byte[] request) => Call(XenHypercallNumber.EventChannelOp, command, request);

    private long Call(uint hypercall, ulong command, byte[] request)
    {
        request.CopyTo(_memory.At(ArgumentGpa, request.Length));
        return (long)_xen.Hypercall(0, hypercall, new HypercallArguments(command, FakeGuestMemory.LinearOffset + ArgumentGpa, 0, 0, 0));
    }
}
