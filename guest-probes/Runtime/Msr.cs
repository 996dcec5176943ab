namespace Rig.Guest;

/// <summary>RDMSR/WRMSR through the gate; a #GP (absent MSR) comes back as false instead of killing the probe.</summary>
public static unsafe class Msr
{
    public static bool TryRead(uint msr, out ulong value)
    {
        ulong v;
        bool ok = Native.ReadMsr(msr, &v) == 0;
        value = v;
        return ok;
    }

    public static bool TryWrite(uint msr, ulong value) => Native.Gate(GateOp.WriteMsr, msr, value, 0) == 0;
}
