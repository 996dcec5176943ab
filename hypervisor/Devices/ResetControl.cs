namespace Rig.Hypervisor.Devices;

/// <summary>
/// The two legacy ways a PC guest resets itself: the reset control register at 0xCF9 (Intel ICH/PIIX datasheets:
/// writing with RST_CPU, bit 2, set resets; QEMU treats hard and soft alike) and the 8042 keyboard controller command
/// 0xFE on port 0x64 (pulse the CPU reset line). The 8042 status reads 0: input and output buffers empty.
/// </summary>
public sealed class ResetControl(Action<string> reset) : IPortDevice
{
    private const ushort ResetControlPort = 0xCF9;
    private const ushort KeyboardData = 0x60;
    private const ushort KeyboardCommand = 0x64;
    private const byte PulseResetLine = 0xFE;
    private byte _cf9;

    public IReadOnlyList<(ushort First, ushort Count)> Ports { get; } =
        [(ResetControlPort, 1), (KeyboardData, 1), (KeyboardCommand, 1)];

    public uint Read(ushort port, int size) => port == ResetControlPort ? _cf9 : 0u;

    public void Write(ushort port, int size, uint value)
    {
        if (port == ResetControlPort)
        {
            _cf9 = (byte)(value & 0x0A);
            if ((value & 0x04) != 0)
            {
                reset("guest-reset (0xCF9)");
            }
        }
        else if (port == KeyboardCommand && (byte)value == PulseResetLine)
        {
            reset("guest-reset (8042 0xFE)");
        }
    }
}
