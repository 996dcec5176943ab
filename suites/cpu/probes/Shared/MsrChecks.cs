using System.Runtime.CompilerServices;

namespace Rig.Guest;

/// <summary>
/// MSRs a guest may or may not be offered: RDMSR/WRMSR at CPL0 through the gate (a #GP comes back as a status), with the
/// CPUID leaves that announce them, which the host's oracle reads (SDM Vol. 4 Table 2-2; AMD APM Vol. 3 E.4.17). The two
/// TSC checks move the TSC by <see cref="TscStep"/> and back, and report how far RDTSC moved (SDM Vol. 3B 18.17.3).
/// </summary>
public static class MsrChecks
{
    private const uint Tsc = 0x10, TscAdjust = 0x3B, SpecCtrl = 0x48, PredCmd = 0x49, FlushCmd = 0x10B;

    /// <summary>2^36 cycles: ~20 s at 3 GHz, far more than the few gate calls between the two RDTSCs take under any load.</summary>
    public const ulong TscStep = 1UL << 36;

    public static bool Run()
    {
        if (CommandLine.Is("check", "spec-ctrl-msr"))
        {
            bool ok = Msr.TryRead(SpecCtrl, out ulong value);
            Speculation("spec-ctrl-msr", "rdmsr", value, ok);
        }
        else if (CommandLine.Is("check", "pred-cmd-msr"))
        {
            Speculation("pred-cmd-msr", "wrmsr", 0, Msr.TryWrite(PredCmd, 1)); // IBPB
        }
        else if (CommandLine.Is("check", "flush-cmd-msr"))
        {
            Speculation("flush-cmd-msr", "wrmsr", 0, Msr.TryWrite(FlushCmd, 1)); // L1D_FLUSH
        }
        else if (CommandLine.Is("check", "tsc-adjust-msr"))
        {
            AdjustMovesTsc();
        }
        else if (CommandLine.Is("check", "tsc-write-msr"))
        {
            TscWriteMovesAdjust();
        }
        else
        {
            return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Speculation(string check, string op, ulong value, bool ok)
    {
        ulong leaf7Edx = TargetCpuid.Leaf7Edx, amd = TargetCpuid.Leaf80000008Ebx;
        Line line = CheckRecord.Start(check, op, value, ok ? 0UL : 1UL);
        line.Field("gp", ok ? 0UL : 1UL);
        line.HexField("leaf7_edx", leaf7Edx);
        line.HexField("leaf80000008_ebx", amd);
        Console.Write(ref line);
    }

    /// <summary>RDMSR IA32_TSC_ADJUST, then (if it exists) a write of its value + <see cref="TscStep"/>: RDTSC moves with it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AdjustMovesTsc()
    {
        ulong offered = TargetCpuid.TscAdjust;
        bool readable = Msr.TryRead(TscAdjust, out ulong adjust);
        ulong moved = 0;
        bool written = false;
        if (readable)
        {
            ulong before = Cpu.RdtscOrdered();
            written = Msr.TryWrite(TscAdjust, adjust + TscStep);
            moved = Cpu.RdtscOrdered() - before;
            Msr.TryWrite(TscAdjust, adjust);
        }
        Line line = CheckRecord.Start("tsc-adjust-msr", "rdmsr-wrmsr", adjust, readable ? 0UL : 1UL);
        line.Field("gp", readable ? 0UL : 1UL);
        line.Field("written", written ? 1UL : 0UL);
        line.Field("cpuid_tsc_adjust", offered);
        line.HexField("tsc_moved", moved);
        line.HexField("step", TscStep);
        Console.Write(ref line);
    }

    /// <summary>WRMSR IA32_TIME_STAMP_COUNTER to RDTSC + <see cref="TscStep"/>: RDTSC moves, and IA32_TSC_ADJUST (if offered) by as much.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TscWriteMovesAdjust()
    {
        ulong offered = TargetCpuid.TscAdjust;
        bool adjustBefore = Msr.TryRead(TscAdjust, out ulong adjust0);
        ulong before = Cpu.RdtscOrdered();
        bool written = Msr.TryWrite(Tsc, before + TscStep);
        ulong moved = Cpu.RdtscOrdered() - before;
        bool adjustAfter = Msr.TryRead(TscAdjust, out ulong adjust1);
        Msr.TryWrite(Tsc, Cpu.RdtscOrdered() - TscStep);
        Line line = CheckRecord.Start("tsc-write-msr", "wrmsr", moved, written ? 0UL : 1UL);
        line.Field("gp", written ? 0UL : 1UL);
        line.Field("cpuid_tsc_adjust", offered);
        line.Field("adjust_readable", adjustBefore && adjustAfter ? 1UL : 0UL);
        line.HexField("adjust_moved", adjust1 - adjust0);
        line.HexField("tsc_moved", moved);
        line.HexField("step", TscStep);
        Console.Write(ref line);
    }
}
