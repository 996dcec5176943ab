using System.Runtime.CompilerServices;
using Rig.Guest;

/// <summary>
/// cpu.*, guest side: runs the one check named by `check=` on the command line (one boot per check, because some stop
/// the VM on kvm_pvm) and reports what the instruction did as `RIG cpu` records (probes/Shared/CheckRecord.cs). The
/// host's oracles (suites/cpu/Oracles) hold the SDM's expectation; this side only observes.
/// </summary>
public static unsafe class Probe
{
    public const string Name = "cpu";

    private const uint TscAux = 0xC000_0103;

    public static void Main()
    {
        // One COM2 round trip first: rig-hv runs the guest before the rig's QMP handshake, and a check that ends within
        // milliseconds exited the VM under it ("the QMP server closed the connection before replying"). Once the host
        // answers, the rig is attached.
        Control.Request("host-time", 30_000_000);
        if (!(UserChecks() || SystemRegisterChecks() || KernelChecks() || SoftExceptionAcrossRestore() || Cpl0InstructionChecks.Run()
              || MsrChecks.Run() || PageFaultChecks.Run() || CpuidChecks.Run() || PrivilegeChecks.Run()
              || VirtualInterruptChecks.Run()))
        {
            Report.Fail(Name, "unknown-check");
        }
    }

    private static bool UserChecks()
    {
        ulong e;
        if (CommandLine.Is("check", "int-n-dpl3-cpl3"))
        {
            IntThroughUserGate();
        }
        else if (CommandLine.Is("check", "int-overflow-vector-cpl3"))
        {
            Emit("int-overflow-vector-cpl3", "int4", CpuNative.Int4(&e, 0), e);
        }
        else if (CommandLine.Is("check", "int-n-dpl0-cpl3"))
        {
            Emit("int-n-dpl0-cpl3", "int21", CpuNative.Int21(&e, 0), e);
        }
        else if (CommandLine.Is("check", "int3-cpl3"))
        {
            Emit("int3-cpl3", "int3", CpuNative.Int3(&e, 0), e);
        }
        else if (CommandLine.Is("check", "icebp-cpl3"))
        {
            Emit("icebp-cpl3", "icebp", CpuNative.Icebp(&e, 0), e);
        }
        else if (CommandLine.Is("check", "into-long-mode"))
        {
            Emit("into-long-mode", "into", CpuNative.Into(&e, 0), e);
        }
        else if (CommandLine.Is("check", "rdtscp-cpl3"))
        {
            Emit("rdtscp-cpl3", "rdtscp", CpuNative.Rdtscp(&e, 0), e, "cpuid_rdtscp", TargetCpuid.Rdtscp);
        }
        else if (CommandLine.Is("check", "rdpid-cpl3"))
        {
            Emit("rdpid-cpl3", "rdpid", CpuNative.Rdpid(&e, 0), e, "cpuid_rdpid", TargetCpuid.Rdpid);
        }
        else if (CommandLine.Is("check", "iopl3-port-io"))
        {
            Emit("iopl3-port-io", "in", CpuNative.In(&e, 0x80), e);
        }
        else if (CommandLine.Is("check", "iopl3-cli-sti"))
        {
            Emit("iopl3-cli-sti", "cli", CpuNative.Cli(&e, 0), e);
            Emit("iopl3-cli-sti", "sti", CpuNative.Sti(&e, 0), e);
        }
        else if (CommandLine.Is("check", "pushf-cpl3"))
        {
            Emit("pushf-cpl3", "pushf", CpuNative.Pushf(&e, 0), e);
        }
        else if (CommandLine.Is("check", "mov-cs-cpl3"))
        {
            Emit("mov-cs-cpl3", "mov-cs", CpuNative.ReadCs(&e, 0), e);
        }
        else
        {
            return SyscallChecks();
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool SyscallChecks()
    {
        bool sysret = CommandLine.Is("check", "sysretq");
        if (!sysret && !CommandLine.Is("check", "syscall-port-io"))
        {
            return false;
        }
        string check = sysret ? "sysretq" : "syscall-port-io";
        ulong offered = TargetCpuid.Syscall;
        ulong e = 0, result = 0;
        ulong enabled = offered != 0 && SyscallSetup.Enable() ? 1UL : 0UL;
        if (enabled != 0)
        {
            CheckRecord.Entering(check);
            result = CpuNative.Syscall(&e, sysret ? 0UL : 1UL);
        }
        Line line = CheckRecord.Start(check, sysret ? "syscall-sysretq" : "syscall-out", result, e);
        line.Field("cpuid_syscall", offered);
        line.Field("enabled", enabled);
        Console.Write(ref line);
        return true;
    }

    /// <summary>
    /// INT 0x80 through a gate made DPL3 for it (a system-call vector, as the hand-found case used; the stub's own
    /// exception gates 2, 3, 4, 18 are DPL3 already). The stub's IDT is in memory CPL3 may write (every page U/S = 1); its
    /// address is CPL0's SIDT. The handler resolves the event through the helper's fix-ups, as the runtime does for
    /// exceptions, so the result says whether the saved RIP was after the INT.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void IntThroughUserGate()
    {
        ulong* cpl0 = stackalloc ulong[8];
        Native.Gate(GateOp.SystemRegisters, (ulong)cpl0, 0, 0);
        ulong idt = (cpl0[2] >> 16) | (cpl0[3] << 48);
        *(byte*)(idt + 0x80 * 16 + 5) = 0xEE; // present, DPL3, 64-bit interrupt gate (SDM Vol. 3A 6.14.1)
        Events.Register(0x80, &OnUserGate, endOfInterrupt: false);
        ulong e;
        Emit("int-n-dpl3-cpl3", "int80", CpuNative.Int80(&e, 0), e);
    }

    private static void OnUserGate(EventFrame* frame) => Fixups.TryResume(frame);

    /// <summary>
    /// CPL3's SGDT, SIDT, STR, SLDT and SMSW beside what CPL0 reads (GateOp.SystemRegisters); for umip-cpl3 after CR4.UMIP
    /// was set at CPL0 (attempted whatever CPUID.7.0:ECX[2] says: where it is hidden the MOV CR4 must #GP).
    /// </summary>
    private static bool SystemRegisterChecks()
    {
        bool umip = CommandLine.Is("check", "umip-cpl3");
        if (!umip && !CommandLine.Is("check", "descriptor-tables-cpl3"))
        {
            return false;
        }
        string check = umip ? "umip-cpl3" : "descriptor-tables-cpl3";
        if (umip)
        {
            Cpl0InstructionChecks.One(check, "enable-umip", GateOp.Cpl0SetCr4Bit, 11, "cpuid_umip", TargetCpuid.Umip);
        }
        ulong* cpl0 = stackalloc ulong[8];
        ulong* cpl3 = stackalloc ulong[2];
        Native.Gate(GateOp.SystemRegisters, (ulong)cpl0, 0, 0);
        ulong e;
        Table(check, "sgdt", CpuNative.Sgdt(&e, (ulong)cpl3), e, cpl3, cpl0, cpl0[7]);
        Table(check, "sidt", CpuNative.Sidt(&e, (ulong)cpl3), e, cpl3, cpl0 + 2, cpl0[7]);
        Register(check, "str", CpuNative.Str(&e, 0), e, cpl0[4], cpl0[7]);
        Register(check, "sldt", CpuNative.Sldt(&e, 0), e, cpl0[5], cpl0[7]);
        Register(check, "smsw", CpuNative.Smsw(&e, 0), e, cpl0[6], cpl0[7]);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Table(string check, string op, ulong result, ulong error, ulong* cpl3, ulong* cpl0, ulong cr4)
    {
        Line line = CheckRecord.Start(check, op, result, error);
        line.HexField("limit", cpl3[0] & 0xFFFF);
        line.HexField("base", (cpl3[0] >> 16) | (cpl3[1] << 48));
        line.HexField("cpl0_limit", cpl0[0] & 0xFFFF);
        line.HexField("cpl0_base", (cpl0[0] >> 16) | (cpl0[1] << 48));
        line.HexField("cr4", cr4);
        Console.Write(ref line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Register(string check, string op, ulong result, ulong error, ulong cpl0, ulong cr4)
    {
        Line line = CheckRecord.Start(check, op, result, error);
        line.HexField("cpl0", cpl0);
        line.HexField("cr4", cr4);
        Console.Write(ref line);
    }

    private static bool KernelChecks()
    {
        if (CommandLine.Is("check", "int3-cpl0"))
        {
            Kernel("int3-cpl0", "int3", GateOp.Cpl0Int3, TargetCpuid.Rdtscp);
        }
        else if (CommandLine.Is("check", "int-n-cpl0"))
        {
            Kernel("int-n-cpl0", "int21", GateOp.Cpl0IntN, TargetCpuid.Rdtscp);
        }
        else if (CommandLine.Is("check", "icebp-cpl0"))
        {
            Kernel("icebp-cpl0", "icebp", GateOp.Cpl0Icebp, TargetCpuid.Rdtscp);
        }
        else if (CommandLine.Is("check", "rdtscp-cpl0"))
        {
            ulong offered = TargetCpuid.Rdtscp;
            Kernel("rdtscp-cpl0", "rdtscp", GateOp.Cpl0Rdtscp, offered);
        }
        else if (CommandLine.Is("check", "tsc-aux-msr"))
        {
            TscAuxMsr();
        }
        else
        {
            return false;
        }
        return true;
    }

    /// <summary>
    /// INT3 at CPL3 in a loop while the host saves and reverts snapshots, each INT3 through a two-instruction CPL0 #BP
    /// handler (the stub's rig_cpu_int3_loop; SDM Vol. 3A 6.5: #BP is a trap, delivered before the next instruction), so
    /// the loop spends most of its time between a #BP exit and its delivery, where a VMM that parks the vCPU may lose it
    /// (docs/notes/kvm-pvm-hypervisor.md section 6). The #BP gate points at that handler only during the loop (the IDT is
    /// CPL3-writable memory; its address is CPL0's SIDT), since the runtime's gate is an INT3 too. A lost #BP is reported
    /// at once on COM1, which a revert cannot take back. The loop runs until the host says its save/revert churn is over
    /// (its ack of `churn-end`), in batches with a look at COM2 between them: a fixed count ended first under load, and
    /// the host's next save found the VM gone. `iterations=` only bounds a host that never answers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool SoftExceptionAcrossRestore()
    {
        if (!CommandLine.Is("check", "soft-exception-restore"))
        {
            return false;
        }
        const ulong Batch = 1000;
        ulong iterations = CommandLine.GetNumber("iterations", 20000);
        ulong* cpl0 = stackalloc ulong[8];
        Native.Gate(GateOp.SystemRegisters, (ulong)cpl0, 0, 0);
        ulong* gate = (ulong*)(((cpl0[2] >> 16) | (cpl0[3] << 48)) + 3 * 16);
        ulong low = gate[0], high = gate[1], handler = CpuNative.MinimalBreakpoint();
        // SDM Vol. 3A 6.14.1: offset 15:0 in bits 15:0, 31:16 in bits 63:48, 63:32 in the next quadword.
        ulong patched = (low & 0x0000_FFFF_FFFF_0000) | (handler & 0xFFFF) | ((handler >> 16 & 0xFFFF) << 48);
        Line churnEnd = default;
        churnEnd.Text("churn-end");
        ulong request = Control.Post(ref churnEnd);
        CheckRecord.Entering("soft-exception-restore");
        ulong done = 0, lost = 0;
        while (done < iterations && Control.Poll(request) == Acknowledgement.Timeout)
        {
            ulong batch = iterations - done < Batch ? iterations - done : Batch;
            gate[1] = handler >> 32;
            gate[0] = patched;
            ulong left = CpuNative.Int3Loop(batch);
            gate[0] = low;
            gate[1] = high;
            done += batch - left;
            if (left != 0)
            {
                lost++;
                Loss(done);
                done++;
            }
        }
        Line summary = CheckRecord.Start("soft-exception-restore", "summary", lost, 0);
        summary.Field("iterations", done);
        Console.Write(ref summary);
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Loss(ulong iteration)
    {
        Line line = CheckRecord.Start("soft-exception-restore", "int3", 1, 0);
        line.Field("iteration", iteration);
        Console.Write(ref line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Kernel(string check, string op, GateOp gateOp, ulong cpuidRdtscp)
    {
        CheckRecord.Entering(check);
        Line line = CheckRecord.Start(check, op, Native.Gate(gateOp, 0, 0, 0), 0);
        line.Field("cpuid_rdtscp", cpuidRdtscp);
        line.TextField("level", "cpl0");
        Console.Write(ref line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TscAuxMsr()
    {
        ulong rdtscp = TargetCpuid.Rdtscp, rdpid = TargetCpuid.Rdpid;
        bool readable = Msr.TryRead(TscAux, out ulong value);
        Line line = CheckRecord.Start("tsc-aux-msr", "rdmsr", value, readable ? 0UL : 1UL);
        line.Field("gp", readable ? 0UL : 1UL);
        line.Field("cpuid_rdtscp", rdtscp);
        line.Field("cpuid_rdpid", rdpid);
        line.TextField("level", "cpl0");
        Console.Write(ref line);
    }

    // Every method that holds a Line (800 bytes) stays out of line: inlined into one caller they would need a stack probe
    // the freestanding image does not have (RhpStackProbe).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Emit(string check, string op, ulong result, ulong error)
    {
        Line line = CheckRecord.Start(check, op, result, error);
        Console.Write(ref line);
    }

    /// <summary>As <see cref="Emit(string, string, ulong, ulong)"/> with the CPUID bit the expectation depends on.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Emit(string check, string op, ulong result, ulong error, string cpuidKey, ulong cpuidBit)
    {
        Line line = CheckRecord.Start(check, op, result, error);
        line.Field(cpuidKey, cpuidBit);
        Console.Write(ref line);
    }
}
