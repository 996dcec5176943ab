using System.Runtime.CompilerServices;

namespace Rig.Guest;

/// <summary>
/// A CPL3 read and a write of a linear address no page table maps (the stub identity-maps 4 GiB; PDPT entry 4 is not
/// present): each must raise #PF with CR2 = the address and the error code of a not-present user access (SDM Vol. 3A
/// 4.7, 6.15 "Interrupt 14"). CR2 is read at CPL0 through the gate right after.
/// </summary>
public static unsafe class PageFaultChecks
{
    public const ulong Unmapped = 0x1_2345_6788;

    public static bool Run()
    {
        if (!CommandLine.Is("check", "page-fault-cr2"))
        {
            return false;
        }
        ulong e;
        ulong load = CpuNative.Load(&e, Unmapped);
        Emit("load", load, e, Native.Gate(GateOp.ReadCr2, 0, 0, 0));
        ulong store = CpuNative.Store(&e, Unmapped);
        Emit("store", store, e, Native.Gate(GateOp.ReadCr2, 0, 0, 0));
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Emit(string op, ulong result, ulong error, ulong cr2)
    {
        Line line = CheckRecord.Start("page-fault-cr2", op, result, error);
        line.HexField("cr2", cr2);
        line.HexField("address", Unmapped);
        Console.Write(ref line);
    }
}
