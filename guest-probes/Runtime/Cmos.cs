namespace Rig.Guest;

/// <summary>
/// CMOS NVRAM through ports 0x70/0x71. It survives a reset, so byte 0x7C counts boots (docs/protocol.md).
/// The index write keeps bit 7 clear: on real chipsets bit 7 of port 0x70 masks NMI.
/// </summary>
public static class Cmos
{
    public const byte BootCounterIndex = 0x7C;

    public static byte Read(byte index)
    {
        Ports.Out8(0x70, (byte)(index & 0x7F));
        return Ports.In8(0x71);
    }

    public static void Write(byte index, byte value)
    {
        Ports.Out8(0x70, (byte)(index & 0x7F));
        Ports.Out8(0x71, value);
    }

    /// <summary>Increments the boot counter and returns the new value (1 on a fresh VM).</summary>
    internal static byte CountBoot()
    {
        byte n = (byte)(Read(BootCounterIndex) + 1);
        Write(BootCounterIndex, n);
        return n;
    }
}
