namespace Rig.Hypervisor.Devices;

/// <summary>
/// Routes I/O port accesses to devices in O(1). A port no device claims behaves as an empty ISA bus: reads return
/// all-ones, writes vanish, and the first access to each such port is logged so a probe author sees it once, not a flood.
/// </summary>
public sealed class PortBus(Action<string> log)
{
    private readonly IPortDevice?[] _byPort = new IPortDevice?[65536];
    private readonly UnbackedAccessLog _unbacked = new("port", log);

    public void Add(IPortDevice device)
    {
        foreach (var (first, count) in device.Ports)
        {
            for (int port = first; port < first + count; port++)
            {
                if (_byPort[port] is { } other)
                {
                    throw new InvalidOperationException($"port 0x{port:x} claimed by both {other.GetType().Name} and {device.GetType().Name}");
                }

                _byPort[port] = device;
            }
        }
    }

    /// <summary>The device that decodes <paramref name="port"/>, or null (the fuzzer's coverage names handlers by it).</summary>
    public IPortDevice? Claimant(ushort port) => _byPort[port];

    public uint Read(ushort port, int size)
    {
        if (_byPort[port] is { } device)
        {
            return device.Read(port, size);
        }

        _unbacked.Note(port, "read");
        return size >= 4 ? uint.MaxValue : (1u << (size * 8)) - 1;
    }

    public void Write(ushort port, int size, uint value)
    {
        if (_byPort[port] is { } device)
        {
            device.Write(port, size, value);
        }
        else
        {
            _unbacked.Note(port, "write");
        }
    }
}
