using System.Runtime.InteropServices;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// The xen-pvh machine's PV console, what libxl and xenconsoled give a PVH domU: a ring page (struct xencons_interface,
/// xen/include/public/io/console.h: in[1024], out[2048], then in_cons, in_prod, out_cons, out_prod as free-running
/// 32-bit indices) and an interdomain event channel to domain 0, both named to the guest by HVM_PARAM_CONSOLE_PFN and
/// HVM_PARAM_CONSOLE_EVTCHN. The guest's EVTCHNOP_send on that port makes the backend take the out ring and give the in
/// ring what is waiting. Out-ring lines go to the log sink, except the docs/protocol.md requests (lines starting
/// <c>RIG-REQ </c>), which go to the control sink, so the rig serves a PVH guest's console with the COM1 and COM2
/// sockets it has for every rig-hv VM. Unlike xenconsoled the backend does not notify the guest after giving it input
/// (the probe runtime polls its in ring): a notification would count among the host backend's sends that the evtchn
/// suite's oracles check.
/// </summary>
public sealed class PvConsoleBackend
{
    public const int PageSize = 4096;
    public const int InSize = 1024;
    public const int OutOffset = 1024;
    public const int OutSize = 2048;

    // Index words (uint) of struct xencons_interface.
    private const int InConsumer = 3072 / 4;
    private const int InProducer = 3076 / 4;
    private const int OutConsumer = 3080 / 4;
    private const int OutProducer = 3084 / 4;

    /// <summary>A line longer than this without a newline goes out as it is (a probe's line is at most a few hundred bytes).</summary>
    private const int MaxLine = 4096;

    private static readonly byte[] RequestPrefix = "RIG-REQ "u8.ToArray();

    private readonly IXenGuestMemory _memory;
    private readonly XenEventChannels _channels;
    private readonly HvmParams _parameters;
    private readonly Action<byte> _log;
    private readonly Action<byte> _control;
    private readonly Queue<byte> _input = new();
    private readonly List<byte> _line = [];
    private readonly Lock _sync = new();
    private uint _port;

    /// <param name="pageGpa">Where the ring page lives: guest RAM the memory map reserves, so the guest never allocates it.</param>
    public PvConsoleBackend(IXenGuestMemory memory, XenEventChannels channels, HvmParams parameters, ulong pageGpa, Action<byte> log, Action<byte> control)
    {
        _memory = memory;
        _channels = channels;
        _parameters = parameters;
        PageGpa = pageGpa;
        _log = log;
        _control = control;
        channels.HostNotified += OnNotified;
    }

    public ulong PageGpa { get; }

    /// <summary>The port the guest notifies; 0 before <see cref="Reset"/>.</summary>
    public uint Port => Volatile.Read(ref _port);

    /// <summary>
    /// At domain build and after every machine reset (which closes every port): an empty ring, a port allocated for domain
    /// 0 and bound by it (libxl's alloc_unbound, xenconsoled's bind_interdomain), and the two parameters set.
    /// </summary>
    public void Reset()
    {
        lock (_sync)
        {
            Page().Clear();
            _line.Clear();
            _input.Clear();
            long allocated = _channels.Bound(_channels.Ports.AllocUnbound(EventChannelPorts.HostDomain, out uint port), port);
            if (allocated != 0 || !_channels.HostBind(port))
            {
                throw new InvalidOperationException($"the PV console's event channel could not be allocated (errno {allocated})");
            }

            Volatile.Write(ref _port, port);
            _parameters.Set(HvmParams.ConsolePfn, PageGpa >> 12);
            _parameters.Set(HvmParams.ConsoleEvtchn, port);
        }
    }

    /// <summary>Bytes from the rig for the guest's console input; they enter the in ring as room allows.</summary>
    public void Receive(ReadOnlySpan<byte> bytes)
    {
        lock (_sync)
        {
            foreach (byte b in bytes)
            {
                _input.Enqueue(b);
            }

            FillIn();
        }
    }

    /// <summary>A guest's send on an interdomain port to the host (on the sending vCPU's thread).</summary>
    private void OnNotified(uint port)
    {
        if (port != Port)
        {
            return;
        }

        lock (_sync)
        {
            TakeOut();
            FillIn();
        }
    }

    private void TakeOut()
    {
        Span<byte> page = Page();
        Span<uint> indices = MemoryMarshal.Cast<byte, uint>(page);
        uint consumer = Volatile.Read(ref indices[OutConsumer]);
        uint producer = Volatile.Read(ref indices[OutProducer]);

        // A guest that moved its producer more than a ring ahead broke the ring; take one ring's worth, as xenconsoled does.
        if (producer - consumer > OutSize)
        {
            consumer = producer - OutSize;
        }

        for (; consumer != producer; consumer++)
        {
            Take(page[OutOffset + (int)(consumer & (OutSize - 1))]);
        }

        Volatile.Write(ref indices[OutConsumer], consumer);
    }

    private void FillIn()
    {
        Span<byte> page = Page();
        Span<uint> indices = MemoryMarshal.Cast<byte, uint>(page);
        uint consumer = Volatile.Read(ref indices[InConsumer]);
        uint producer = Volatile.Read(ref indices[InProducer]);
        while (_input.Count > 0 && producer - consumer < InSize)
        {
            page[(int)(producer & (InSize - 1))] = _input.Dequeue();
            producer++;
        }

        // The bytes are in the ring before the guest can see the index that covers them.
        Volatile.Write(ref indices[InProducer], producer);
    }

    /// <summary>One out-ring byte: whole lines go to the control sink when they are requests, to the log otherwise.</summary>
    private void Take(byte b)
    {
        _line.Add(b);
        if (b != (byte)'\n' && _line.Count < MaxLine)
        {
            return;
        }

        var sink = CollectionsMarshal.AsSpan(_line).StartsWith(RequestPrefix) ? _control : _log;
        foreach (byte c in _line)
        {
            sink(c);
        }

        _line.Clear();
    }

    private Span<byte> Page()
    {
        Span<byte> page = _memory.Physical(PageGpa, PageSize);
        return page.Length == PageSize ? page : throw new InvalidOperationException($"the PV console page 0x{PageGpa:x} is not guest RAM");
    }
}
