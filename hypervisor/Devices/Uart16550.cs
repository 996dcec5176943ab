namespace Rig.Hypervisor.Devices;

/// <summary>
/// A 16550A UART with the registers a polling driver uses (PC16550D data sheet, register table): RBR/THR, IER, IIR/FCR,
/// LCR (DLAB), MCR, LSR, MSR, SCR, DLL/DLM. The transmitter is always ready (LSR.THRE|TEMT), so a guest never waits on
/// it. Received bytes queue until the guest reads RBR; LSR.DR says one is there. It raises no interrupt line: the
/// probes poll, as the design asks.
/// </summary>
public sealed class Uart16550(ushort basePort, Action<byte> transmit) : IPortDevice, IPersistentDevice<UartState>
{
    private const byte LcrDlab = 0x80;
    private const byte LsrDataReady = 0x01;
    private const byte LsrTransmitterEmpty = 0x60;
    private const byte IirNoInterrupt = 0x01;
    private const int ReceiveLimit = 1 << 16;

    private readonly Queue<byte> _received = new();
    private readonly Lock _lock = new();
    private byte _ier, _lcr, _mcr, _scr, _dll = 1, _dlm, _fcr;

    public IReadOnlyList<(ushort First, ushort Count)> Ports { get; } = [(basePort, 8)];

    /// <summary>Bytes from the host side (a socket client) for the guest to read; beyond 64 KiB unread, the oldest are dropped, as an overrun would.</summary>
    public void Receive(ReadOnlySpan<byte> bytes)
    {
        lock (_lock)
        {
            foreach (byte b in bytes)
            {
                if (_received.Count == ReceiveLimit)
                {
                    _received.Dequeue();
                }

                _received.Enqueue(b);
            }
        }
    }

    public UartState Save()
    {
        lock (_lock)
        {
            return new UartState(_ier, _lcr, _mcr, _scr, _dll, _dlm, _fcr);
        }
    }

    public void Restore(UartState state)
    {
        lock (_lock)
        {
            (_ier, _lcr, _mcr, _scr, _dll, _dlm, _fcr) = (state.Ier, state.Lcr, state.Mcr, state.Scr, state.Dll, state.Dlm, state.Fcr);
        }
    }

    public uint Read(ushort port, int size)
    {
        bool dlab = (_lcr & LcrDlab) != 0;
        lock (_lock)
        {
            return (port - basePort) switch
            {
                0 when dlab => _dll,
                0 => _received.TryDequeue(out byte b) ? b : 0u,
                1 when dlab => _dlm,
                1 => _ier,
                2 => (uint)(IirNoInterrupt | ((_fcr & 1) != 0 ? 0xC0 : 0)),
                3 => _lcr,
                4 => _mcr,
                5 => (uint)(LsrTransmitterEmpty | (_received.Count > 0 ? LsrDataReady : 0)),
                6 => 0xB0u, // MSR: DCD, DSR, CTS asserted, as a connected null-modem line
                _ => _scr,
            };
        }
    }

    public void Write(ushort port, int size, uint value)
    {
        byte v = (byte)value;
        bool dlab = (_lcr & LcrDlab) != 0;
        switch (port - basePort)
        {
            case 0 when dlab: _dll = v; break;
            case 0: transmit(v); break;
            case 1 when dlab: _dlm = v; break;
            case 1: _ier = (byte)(v & 0x0F); break;
            case 2: _fcr = v; break;
            case 3: _lcr = v; break;
            case 4: _mcr = (byte)(v & 0x1F); break;
            case 7: _scr = v; break;
            default: break; // LSR and MSR are read-only
        }
    }
}
