using System.Buffers.Binary;
using System.Text;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>The xen-pvh machine's PV console as a guest drives it: HVM params, the out ring's two sinks, the in ring's room.</summary>
public sealed class PvConsoleBackendTests : IDisposable
{
    private const ulong ArgumentGpa = 0x3000;
    private const ulong PageGpa = 0x8000;
    private const int InConsumer = 3072;
    private const int InProducer = 3076;
    private const int OutConsumer = 3080;
    private const int OutProducer = 3084;

    private readonly FakeGuestMemory _memory = new(64 * 1024);
    private readonly XenGuestInterface _xen;
    private readonly PvConsoleBackend _console;
    private readonly List<byte> _log = [];
    private readonly List<byte> _control = [];

    public PvConsoleBackendTests()
    {
        _xen = new XenGuestInterface(new FakeGuestTsc(1, 2_446_000_000), _memory, new FakeHostClock(), 1, DefectSet.None,
            tscStable: true, TimeSpan.FromHours(1));
        var channels = new XenEventChannels(_xen, _memory, 1, DefectSet.None, (_, _) => { }, _ => { });
        _console = new PvConsoleBackend(_memory, channels, _xen.Params, PageGpa, _log.Add, _control.Add);
        _console.Reset();
    }

    public void Dispose() => _xen.Dispose();

    [Fact]
    public void The_guest_finds_the_ring_and_its_port_through_hvmop_get_param()
    {
        Assert.Equal((0L, PageGpa >> 12), GetParam(HvmParams.ConsolePfn));
        Assert.Equal((0L, (ulong)_console.Port), GetParam(HvmParams.ConsoleEvtchn));
        Assert.NotEqual(0u, _console.Port);
        Assert.Equal(XenErrno.Einval, GetParam(HvmParams.Count).Result);
    }

    [Fact]
    public void Out_ring_lines_go_to_the_log_and_requests_to_the_control_sink_when_the_guest_notifies()
    {
        GuestWrites("RIG boot n=1 cpus=1\nRIG-REQ 1 nmi\nRIG ok x\n");
        Assert.Empty(_log);

        Assert.Equal(0, Notify());

        Assert.Equal("RIG boot n=1 cpus=1\nRIG ok x\n", Encoding.ASCII.GetString([.. _log]));
        Assert.Equal("RIG-REQ 1 nmi\n", Encoding.ASCII.GetString([.. _control]));
        Assert.Equal(Index(OutProducer), Index(OutConsumer));
    }

    [Fact]
    public void Input_beyond_the_rings_room_waits_until_the_guest_has_consumed_and_notified()
    {
        _console.Receive(new byte[PvConsoleBackend.InSize + 10]);
        Assert.Equal((uint)PvConsoleBackend.InSize, Index(InProducer));

        BinaryPrimitives.WriteUInt32LittleEndian(_memory.At(PageGpa + InConsumer, 4), PvConsoleBackend.InSize);
        Notify();

        Assert.Equal((uint)PvConsoleBackend.InSize + 10, Index(InProducer));
    }

    private void GuestWrites(string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        uint producer = Index(OutProducer);
        foreach (byte b in bytes)
        {
            _memory.At(PageGpa + PvConsoleBackend.OutOffset + (producer++ % PvConsoleBackend.OutSize), 1)[0] = b;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(_memory.At(PageGpa + OutProducer, 4), producer);
    }

    private long Notify()
    {
        BitConverter.GetBytes(_console.Port).CopyTo(_memory.At(ArgumentGpa, 4));
        return (long)_xen.Hypercall(0, XenHypercallNumber.EventChannelOp,
            new HypercallArguments(EventChannelOpHypercall.Send, FakeGuestMemory.LinearOffset + ArgumentGpa, 0, 0, 0));
    }

    private (long Result, ulong Value) GetParam(uint index)
    {
        byte[] request = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(request, EventChannelPorts.DomidSelf);
        BinaryPrimitives.WriteUInt32LittleEndian(request.AsSpan(4), index);
        request.CopyTo(_memory.At(ArgumentGpa, 16));
        long result = (long)_xen.Hypercall(0, XenHypercallNumber.HvmOp,
            new HypercallArguments(HvmOpHypercall.GetParam, FakeGuestMemory.LinearOffset + ArgumentGpa, 0, 0, 0));
        return (result, BinaryPrimitives.ReadUInt64LittleEndian(_memory.At(ArgumentGpa + 8, 8)));
    }

    private uint Index(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_memory.At(PageGpa + (ulong)offset, 4));
}
