namespace Rig.Hypervisor.Devices;

/// <summary>
/// MC146818 CMOS RTC and NVRAM on ports 0x70 (index; bit 7 is the chipset's NMI mask) and 0x71 (data).
/// Time registers 0x00-0x09 read the host UTC clock in BCD, 24-hour mode (register B = 0x02).
/// The 114 NVRAM bytes (0x0E-0x7F) belong to the machine, not the CPU: a system reset keeps them, so a probe counts its boots there.
/// </summary>
public sealed class CmosRtc : IPortDevice, IPersistentDevice<CmosState>
{
    private const int RegisterA = 0x0A;
    private const int RegisterB = 0x0B;
    private const int RegisterC = 0x0C;
    private const int RegisterD = 0x0D;

    private readonly byte[] _nvram = new byte[128];
    private readonly Lock _lock = new();
    private int _index;

    public CmosRtc()
    {
        _nvram[RegisterA] = 0x26; // 32.768 kHz time base, 1024 Hz rate; UIP clear
        _nvram[RegisterB] = 0x02; // 24-hour, BCD, no interrupts
        _nvram[RegisterD] = 0x80; // VRT: the battery is good, RAM valid
    }

    public IReadOnlyList<(ushort First, ushort Count)> Ports { get; } = [(0x70, 2)];

    public uint Read(ushort port, int size)
    {
        lock (_lock)
        {
            return port == 0x70 ? (uint)_index : ReadRegister(_index);
        }
    }

    public void Write(ushort port, int size, uint value)
    {
        lock (_lock)
        {
            if (port == 0x70)
            {
                _index = (int)(value & 0x7F);
            }
            else if (_index is >= RegisterA and not RegisterC and not RegisterD)
            {
                _nvram[_index] = (byte)value;
            }
        }
    }

    public CmosState Save()
    {
        lock (_lock)
        {
            return new CmosState(_index, [.. _nvram]);
        }
    }

    public void Restore(CmosState state)
    {
        if (state.Bytes.Length != _nvram.Length || state.Index is < 0 or > 0x7F)
        {
            throw new ArgumentException($"CMOS state needs {_nvram.Length} bytes and an index 0-0x7F", nameof(state));
        }

        lock (_lock)
        {
            _index = state.Index;
            state.Bytes.CopyTo(_nvram, 0);
        }
    }

    /// <summary>An NVRAM byte as the guest would read it (for hosts and tests).</summary>
    public byte this[int index]
    {
        get
        {
            lock (_lock)
            {
                return _nvram[index & 0x7F];
            }
        }
    }

    private byte ReadRegister(int index)
    {
        var now = DateTime.UtcNow;
        return index switch
        {
            0x00 => Bcd(now.Second),
            0x02 => Bcd(now.Minute),
            0x04 => Bcd(now.Hour),
            0x06 => Bcd((int)now.DayOfWeek + 1),
            0x07 => Bcd(now.Day),
            0x08 => Bcd(now.Month),
            0x09 => Bcd(now.Year % 100),
            0x32 => Bcd(now.Year / 100), // century, where QEMU and SeaBIOS keep it
            0x01 or 0x03 or 0x05 => 0, // alarms
            _ => _nvram[index],
        };
    }

    private static byte Bcd(int value) => (byte)(((value / 10) << 4) | (value % 10));
}
