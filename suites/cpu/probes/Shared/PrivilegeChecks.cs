using System.Runtime.CompilerServices;

namespace Rig.Guest;

/// <summary>
/// Privilege transitions (issue 22): interrupt gates whose handler segment is DPL3 or conforming, IRETQ's selector checks,
/// far CALL through the stub's call gates (Selectors.CallGateDpl3/Dpl0), SYSENTER, clearing CR0.PG / CR4.PAE in 64-bit mode
/// and the XSAVE family at CPL3. Each check announces itself first (several stop or hang a VM) and reports what the CPU did
/// with the facts its SDM rule depends on; suites/cpu/Oracles/CpuRules.cs judges.
/// </summary>
internal static unsafe class PrivilegeChecks
{
    /// <summary>The vector the interrupt checks take: above the exceptions, one the runtime registers nothing for.</summary>
    private const int Vector = 0x41;

    /// <summary>ICR: destination shorthand "self" (bits 19:18 = 01), fixed delivery, <see cref="Vector"/> (SDM Vol. 3A 12.6.1).</summary>
    private const ulong SelfIpi = 0x40000 | Vector;

    /// <summary>Rounds of the CPL3 wait for the handler: about half a second natively, where kvm_pvm delivers in ~1 ms.</summary>
    private const ulong Spins = 500_000_000;

    private const uint SysenterCsMsr = 0x174, SysenterEspMsr = 0x175, SysenterEipMsr = 0x176;

    public static bool Run()
    {
        if (CommandLine.Is("check", "gate-dpl3-code-cpl3"))
        {
            InterruptAtCpl3("gate-dpl3-code-cpl3", Selectors.UserCode64);
        }
        else if (CommandLine.Is("check", "gate-conforming-cpl3"))
        {
            InterruptAtCpl3("gate-conforming-cpl3", Selectors.ConformingCode64);
        }
        else if (CommandLine.Is("check", "gate-dpl3-code-cpl0"))
        {
            InterruptAtCpl0();
        }
        else if (CommandLine.Is("check", "iretq-cs-rpl-cpl3"))
        {
            IretqCsRpl();
        }
        else if (CommandLine.Is("check", "iretq-ss-rpl-cpl0"))
        {
            Cpl0InstructionChecks.One("iretq-ss-rpl-cpl0", "iretq", GateOp.Cpl0IretqSsRpl0, 0, "ss", Selectors.UserData);
        }
        else if (CommandLine.Is("check", "iretq-null-ss-cpl0"))
        {
            Cpl0InstructionChecks.One("iretq-null-ss-cpl0", "iretq", GateOp.Cpl0IretqNullSs, 0, "ss", 0);
        }
        else
        {
            return RunRest();
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool RunRest()
    {
        if (CommandLine.Is("check", "call-gate-cpl3"))
        {
            FarCall("call-gate-cpl3", Selectors.CallGateDpl3 | 3);
        }
        else if (CommandLine.Is("check", "call-gate-dpl0-cpl3"))
        {
            FarCall("call-gate-dpl0-cpl3", Selectors.CallGateDpl0);
        }
        else if (CommandLine.Is("check", "sysenter-cpl3"))
        {
            Sysenter();
        }
        else if (CommandLine.Is("check", "sysenter-sysexit"))
        {
            SysenterSysexit();
        }
        else if (CommandLine.Is("check", "cr0-pg-clear-cpl0"))
        {
            Cpl0InstructionChecks.One("cr0-pg-clear-cpl0", "mov-cr0", GateOp.Cpl0ClearCr0Pg, 0, "bit", 31);
        }
        else if (CommandLine.Is("check", "cr4-pae-clear-cpl0"))
        {
            Cpl0InstructionChecks.One("cr4-pae-clear-cpl0", "mov-cr4", GateOp.Cpl0ClearCr4Pae, 0, "bit", 5);
        }
        else if (CommandLine.Is("check", "xsave-family-cpl3"))
        {
            XsaveFamily();
        }
        else
        {
            return false;
        }
        return true;
    }

    /// <summary>
    /// Points the IDT gate of <see cref="Vector"/> at the stub's interrupt handler in <paramref name="selector"/>: a present
    /// 64-bit interrupt gate, DPL0 (the DPL of a gate is checked only for INT n, INT3 and INTO, SDM Vol. 3A 6.12.1.1). The IDT is
    /// memory CPL3 may write (every page U/S = 1); its address is CPL0's SIDT.
    /// </summary>
    private static void PointGateAt(ushort selector)
    {
        ulong* cpl0 = stackalloc ulong[8];
        Native.Gate(GateOp.SystemRegisters, (ulong)cpl0, 0, 0);
        ulong* gate = (ulong*)(((cpl0[2] >> 16) | (cpl0[3] << 48)) + Vector * 16);
        ulong handler = CpuNative.InterruptHandler();
        // SDM Vol. 3A 6.14.1, figure 6-8: offset 15:0, selector, type 0xE with P, offset 31:16; offset 63:32 above.
        gate[1] = handler >> 32;
        gate[0] = (handler & 0xFFFF) | ((ulong)selector << 16) | (0x8EUL << 40) | ((handler >> 16 & 0xFFFF) << 48);
    }

    /// <summary>The xAPIC ICR's address, 0 if the APIC could not be enabled or is in x2APIC mode (no xAPIC page, SDM Vol. 3A 12.12.2).</summary>
    private static ulong IcrAddress()
    {
        if (!LocalApic.Enable() || LocalApic.IsX2Apic || !Msr.TryRead(LocalApic.BaseMsr, out ulong apicBase))
        {
            return 0;
        }
        return (apicBase & 0xFFFFFF000) + LocalApic.RegIcrLow;
    }

    /// <summary>This vCPU's TSS.RSP0 (guest-probes/StubGen/SystemTables.cs): where a switch to CPL0 puts the stack.</summary>
    private static ulong Rsp0 => Runtime.Boot->KernelStacksBase + (ulong)Cpu.Index * Runtime.Boot->KernelStacksStride + 0x1000;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void InterruptAtCpl3(string check, ushort selector)
    {
        ulong icr = IcrAddress();
        ulong* output = stackalloc ulong[3];
        output[0] = output[1] = output[2] = 0;
        ulong result = 0;
        if (icr != 0)
        {
            PointGateAt(selector);
            CheckRecord.Entering(check);
            result = CpuNative.AwaitInterrupt(output, icr, SelfIpi, Spins);
            LocalApic.EndOfInterrupt();
        }
        Line line = CheckRecord.Start(check, "interrupt", result, output[0]);
        line.Field("xapic", icr != 0 ? 1UL : 0UL);
        line.HexField("selector", selector);
        line.HexField("handler_rsp", output[1]);
        line.HexField("interrupted_rsp", output[2]);
        line.HexField("rsp0", Rsp0);
        Console.Write(ref line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void InterruptAtCpl0()
    {
        ulong icr = IcrAddress();
        ulong result = 0;
        if (icr != 0)
        {
            PointGateAt(Selectors.UserCode64);
            CheckRecord.Entering("gate-dpl3-code-cpl0");
            result = Native.Gate(GateOp.Cpl0InterruptAtCpl0, icr, SelfIpi, 0);
            LocalApic.EndOfInterrupt();
        }
        Line line = CheckRecord.Start("gate-dpl3-code-cpl0", "interrupt", result, 0);
        line.Field("xapic", icr != 0 ? 1UL : 0UL);
        line.HexField("selector", Selectors.UserCode64);
        line.TextField("level", "cpl0");
        Console.Write(ref line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void IretqCsRpl()
    {
        ulong e;
        CheckRecord.Entering("iretq-cs-rpl-cpl3");
        Line line = CheckRecord.Start("iretq-cs-rpl-cpl3", "iretq", CpuNative.IretqCs(&e, Selectors.UserCode64), e);
        line.HexField("cs", Selectors.UserCode64);
        Console.Write(ref line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FarCall(string check, ulong selector)
    {
        ulong* output = stackalloc ulong[3];
        CheckRecord.Entering(check);
        ulong result = CpuNative.FarCall(output, selector);
        Line line = CheckRecord.Start(check, "call-far", result, output[0]);
        line.HexField("selector", selector);
        line.HexField("target_rsp", output[1]);
        line.HexField("pushed_cs", output[2]);
        line.HexField("rsp0", Rsp0);
        Console.Write(ref line);
    }

    /// <summary>SYSENTER with IA32_SYSENTER_CS = 0, written first through the gate (SDM Vol. 2B SYSENTER: #GP(0) if its bits 15:2 are 0).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Sysenter()
    {
        ulong sep = TargetCpuid.Sep, intel = TargetCpuid.IntelVendor;
        bool written = Msr.TryWrite(SysenterCsMsr, 0);
        ulong e;
        CheckRecord.Entering("sysenter-cpl3");
        Line line = CheckRecord.Start("sysenter-cpl3", "sysenter", CpuNative.Sysenter(&e, 0), e);
        line.Field("cpuid_sep", sep);
        line.Field("intel", intel);
        line.Field("sysenter_cs_written", written ? 1UL : 0UL);
        Console.Write(ref line);
    }

    /// <summary>
    /// SYSENTER's working path and SYSEXIT back (SDM Vol. 2B SYSENTER, SYSEXIT; Vol. 3A 5.8.7): IA32_SYSENTER_CS = the stub's
    /// SYSENTER block (Selectors.SysenterCode64), _ESP = the top of a stack of this frame's, _EIP = the stub's entry. Two records:
    /// `sysenter` with what the entry saw, and, where the entry ran, `sysexit` with what the landing saw.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SysenterSysexit()
    {
        const string check = "sysenter-sysexit";
        byte* stack = stackalloc byte[512];
        ulong esp = ((ulong)stack + 512) & ~15UL;
        ulong* output = stackalloc ulong[11];
        for (int i = 0; i < 11; i++)
        {
            output[i] = 0;
        }

        bool written = Msr.TryWrite(SysenterCsMsr, Selectors.SysenterCode64) && Msr.TryWrite(SysenterEspMsr, esp)
            && Msr.TryWrite(SysenterEipMsr, CpuNative.SysenterEntry());
        ulong result = 0;
        if (written)
        {
            CheckRecord.Entering(check);
            result = CpuNative.SysenterSysexit(output, 0);
        }

        Line line = CheckRecord.Start(check, "sysenter", result, output[0]);
        line.Field("cpuid_sep", TargetCpuid.Sep);
        line.Field("intel", TargetCpuid.IntelVendor);
        line.Field("msrs_written", written ? 1UL : 0UL);
        line.HexField("sysenter_cs", Selectors.SysenterCode64);
        line.HexField("sysenter_esp", esp);
        line.HexField("caller_rflags", output[10]);
        line.HexField("entry_rsp", output[1]);
        line.HexField("entry_cs", output[2]);
        line.HexField("entry_ss", output[3]);
        line.HexField("entry_rflags", output[4]);
        Console.Write(ref line);
        if (output[2] != 0)
        {
            Line back = CheckRecord.Start(check, "sysexit", result, output[0]);
            back.HexField("sysenter_cs", Selectors.SysenterCode64);
            back.HexField("rcx", output[9]);
            back.HexField("entry_rflags", output[4]);
            back.HexField("landing_rsp", output[5]);
            back.HexField("landing_cs", output[6]);
            back.HexField("landing_ss", output[7]);
            back.HexField("landing_rflags", output[8]);
            Console.Write(ref back);
        }
    }

    /// <summary>XGETBV, XSAVE and XSETBV at CPL3 with CR4 as the stub left it (OSXSAVE clear: nothing here sets it).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void XsaveFamily()
    {
        ulong* cpl0 = stackalloc ulong[8];
        Native.Gate(GateOp.SystemRegisters, (ulong)cpl0, 0, 0);
        byte* area = stackalloc byte[4096 + 64];
        ulong buffer = ((ulong)area + 63) & ~63UL;
        ulong xsave = TargetCpuid.Xsave, e;
        CheckRecord.Entering("xsave-family-cpl3");
        Xsave("xgetbv", CpuNative.Xgetbv(&e, 0), e, cpl0[7], xsave);
        Xsave("xsave", CpuNative.Xsave(&e, buffer), e, cpl0[7], xsave);
        Xsave("xsetbv", CpuNative.Xsetbv(&e, 0), e, cpl0[7], xsave);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Xsave(string op, ulong result, ulong error, ulong cr4, ulong cpuidXsave)
    {
        Line line = CheckRecord.Start("xsave-family-cpl3", op, result, error);
        line.HexField("cr4", cr4);
        line.Field("cpuid_xsave", cpuidXsave);
        Console.Write(ref line);
    }
}
