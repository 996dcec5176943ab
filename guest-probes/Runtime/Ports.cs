namespace Rig.Guest;

/// <summary>
/// Port I/O from CPL3. Whether IOPL=3 lets CPL3 execute IN/OUT is measured at boot (<see cref="MeasureIopl"/>):
/// under kvm_pvm it was honoured in one experiment and ignored in another (shared/notes/pvm-cpl3.md). When
/// honoured the instructions run directly; otherwise every access is one call of the CPL0 gate.
/// </summary>
public static unsafe class Ports
{
    /// <summary>True when IN/OUT at CPL3 work (IOPL honoured, SDM 20.5.1).</summary>
    public static bool Direct { get; private set; }

    /// <summary>The vector CPL3 port input raised when not direct (13 = #GP), 0 when it worked.</summary>
    public static ulong IoplFaultVector { get; private set; }

    internal static void MeasureIopl()
    {
        // Reading the COM1 line status register has no side effect.
        ulong result = Native.TryIn8(0x3FD);
        Direct = (result & Fixups.FaultBit) == 0;
        IoplFaultVector = Direct ? 0 : result & 0xFF;
    }

    public static void Out8(ushort port, byte value)
    {
        if (Direct)
        {
            Native.TryOut8(port, value);
        }
        else
        {
            Native.Gate(GateOp.Out8, port, value, 0);
        }
    }

    public static byte In8(ushort port) =>
        Direct ? (byte)Native.TryIn8(port) : (byte)Native.Gate(GateOp.In8, port, 0, 0);

    public static void Out16(ushort port, ushort value) => Native.Gate(GateOp.Out16, port, value, 0);

    public static void Out32(ushort port, uint value) => Native.Gate(GateOp.Out32, port, value, 0);

    public static ushort In16(ushort port) => (ushort)Native.Gate(GateOp.In16, port, 0, 0);

    public static uint In32(ushort port) => (uint)Native.Gate(GateOp.In32, port, 0, 0);

    /// <summary>REP OUTSB: a whole serial line in one gate call (or one run of direct OUTs).</summary>
    public static void OutString8(ushort port, byte* bytes, int count)
    {
        if (Direct)
        {
            Native.OutString8(port, bytes, (ulong)count);
        }
        else
        {
            Native.Gate(GateOp.OutString8, port, (ulong)bytes, (ulong)count);
        }
    }
}
