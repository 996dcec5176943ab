using System.Runtime.CompilerServices;

namespace Rig.Guest;

/// <summary>
/// Protected-mode virtual interrupts at CPL3 (SDM Vol. 3A 20.4; Vol. 2A CLI, Vol. 2B STI): CPL0 sets CR4.PVI, the gate returns
/// to CPL3 with IOPL 0 and VIF 1 (which that IRETQ must load: the first record), and CLI then STI must toggle VIF without
/// #GP, IF untouched; with VIP set STI must #GP(0).
/// The pseudo-code distinguishes only CR0.PE and RFLAGS.VM, so the rule holds in 64-bit mode too (docs/notes/cpu.md).
/// While IOPL is 0 the probe prints nothing (a CPL3 OUT would #GP, guest-probes/Runtime/Ports.cs); the records follow once
/// the gate has put IOPL 3 back.
/// </summary>
internal static unsafe class VirtualInterruptChecks
{
    private const string Check = "pvi-cli-sti-cpl3";

    /// <summary>RFLAGS.IOPL = 3 (the runtime's CPL3 value), VIF (bit 19), VIP (bit 20): SDM Vol. 1 3.4.3.</summary>
    private const ulong Iopl3 = 0x3000, Vif = 1UL << 19, Vip = 1UL << 20;

    private const int Cr4Pvi = 1;

    public static bool Run()
    {
        if (!CommandLine.Is("check", Check))
        {
            return false;
        }

        ulong vme = TargetCpuid.Vme;
        Cpl0InstructionChecks.One(Check, "enable-pvi", GateOp.Cpl0SetCr4Bit, Cr4Pvi, "cpuid_vme", vme);
        ulong pvi = Cr4HasPvi() ? 1UL : 0UL;
        ulong cliError, stiError, pendingError, ignored;
        Native.Gate(GateOp.Cpl0SetUserVirtualInterruptFlags, Vif, 0, 0);
        ulong afterIretq = CpuNative.Pushf(&ignored, 0);
        ulong cli = CpuNative.Cli(&cliError, 0);
        ulong afterCli = CpuNative.Pushf(&ignored, 0);
        ulong sti = CpuNative.Sti(&stiError, 0);
        ulong afterSti = CpuNative.Pushf(&ignored, 0);
        Native.Gate(GateOp.Cpl0SetUserVirtualInterruptFlags, Vip, 0, 0);
        ulong pending = CpuNative.Sti(&pendingError, 0);
        Native.Gate(GateOp.Cpl0SetUserVirtualInterruptFlags, Iopl3, 0, 0);

        Emit("iretq-vif", 0, 0, pvi, afterIretq);
        Emit("cli", cli, cliError, pvi, afterCli);
        Emit("sti", sti, stiError, pvi, afterSti);
        Emit("sti-vip", pending, pendingError, pvi, 0);
        return true;
    }

    /// <summary>CR4 as CPL0 reads it after the enable: whether PVI is set, whatever the MOV CR4 reported.</summary>
    private static bool Cr4HasPvi()
    {
        ulong* cpl0 = stackalloc ulong[8];
        Native.Gate(GateOp.SystemRegisters, (ulong)cpl0, 0, 0);
        return (cpl0[7] >> Cr4Pvi & 1) != 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Emit(string op, ulong result, ulong error, ulong pvi, ulong rflags)
    {
        Line line = CheckRecord.Start(Check, op, result, error);
        line.Field("pvi", pvi);
        line.Field("cpuid_vme", TargetCpuid.Vme);
        line.HexField("rflags", rflags);
        Console.Write(ref line);
    }
}
