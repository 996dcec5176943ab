using System.Globalization;
using Rig.Protocol;

namespace Rig.Suites.Cpu.Oracles;

/// <summary>
/// What the SDM says each checked instruction must do, and the judgement of what the guest saw (`RIG cpu` records,
/// <see cref="CpuOutcome"/>). Every problem names what the guest did, what the SDM says and what it saw. A VM that
/// stopped after the guest announced the instruction (`RIG cpu-enter`) is a deviation too: the SDM gives every
/// instruction an architectural outcome, and stopping the machine is none of them.
/// </summary>
public static class CpuRules
{
    /// <summary>One instruction's expectation: what the guest did, the SDM's rule, and the check of one outcome (null: right).</summary>
    private sealed record Expectation(string Did, string Sdm, Func<CpuOutcome, Record, string?> Judge);

    private const int Db = 1, Bp = 3, Of = 4, Ud = 6, Gp = 13;

    /// <summary>rig_cpu_sysenter_sysexit's values (guest-probes/StubGen/CpuCheckCode.cs): SYSENTER fell through; SYSEXIT faulted at CPL0; its fault came through the CPL3 path.</summary>
    private const ulong SysenterFellThrough = 1, SysexitFaulted = 2, SysexitFaultedAtCpl3 = 3;

    /// <summary>INT 0x21 at CPL3 through its DPL0 gate: #GP with the IDT bit (1) set and EXT clear (SDM Vol. 3A 6.13).</summary>
    public const ulong IntGateDplErrorCode = (0x21 << 3) | 2;

    private const ulong RflagsIf = 1 << 9, RflagsIopl = 3 << 12, RflagsVif = 1 << 19;
    private const ulong Cr4Umip = 1 << 11, Cr4Osxsave = 1 << 18;

    // The stub's selectors (guest-probes/Runtime/Selectors.cs), as the probe's records name them.
    private const ulong KernelCode64 = 0x08, UserData = 0x18, UserCode64 = 0x20, ConformingCode64 = 0x28, CallGateDpl0 = 0x150;

    /// <summary>Bytes a 64-bit interrupt pushes without an error code: SS, RSP, RFLAGS, CS, RIP (SDM Vol. 3A 6.14.2).</summary>
    private const ulong InterruptFrame = 40;

    private static readonly Dictionary<string, Expectation> Rules = new()
    {
        ["int-n-dpl3-cpl3/int80"] = new("INT 0x80 at CPL3 through a DPL3 interrupt gate",
            "SDM Vol. 3A 6.12.1.1: INT n is allowed when CPL <= the gate's DPL; the handler runs, and the saved RIP is the next instruction (6.5)",
            (o, _) => Trap(o, 0x80)),
        ["int-overflow-vector-cpl3/int4"] = new("INT 4 (the #OF vector, not INTO) at CPL3 through its DPL3 interrupt gate",
            "SDM Vol. 3A 6.12.1.1: INT n is allowed when CPL <= the gate's DPL; the handler runs, and the saved RIP is the next instruction (6.5)",
            (o, _) => Trap(o, Of)),
        ["int-n-dpl0-cpl3/int21"] = new("INT 0x21 at CPL3 through a DPL0 interrupt gate",
            $"SDM Vol. 3A 6.12.1.1: INT n with CPL > the gate's DPL raises #GP, error code = vector * 8 + 2 (IDT bit, 6.13) = 0x{IntGateDplErrorCode:x}, saved RIP at the INT",
            (o, _) => Fault(o, Gp, IntGateDplErrorCode)),
        ["int3-cpl3/int3"] = new("INT3 at CPL3 through a DPL3 gate",
            "SDM Vol. 3A 6.12.1.1 and 6.5: #BP is delivered as a trap, the saved RIP is the instruction after INT3",
            (o, _) => Trap(o, Bp)),
        ["icebp-cpl3/icebp"] = new("INT1 (ICEBP, F1) at CPL3, whose #DB gate has DPL0",
            "SDM Vol. 3A 6.12.1.1: the gate's DPL is checked only for INT n, INT3 and INTO, so INT1 delivers #DB as a trap, saved RIP after it",
            (o, _) => Trap(o, Db)),
        ["into-long-mode/into"] = new("INTO (0xCE) in 64-bit mode",
            "SDM Vol. 2A INT n/INTO/INT3/INT1, 64-bit mode exceptions: INTO is invalid, #UD with the saved RIP at it",
            (o, _) => Fault(o, Ud, null)),
        ["rdtscp-cpl3/rdtscp"] = new("RDTSCP at CPL3",
            "SDM Vol. 2B RDTSCP: #UD if CPUID.80000001H:EDX.RDTSCP[27] = 0; else it returns IA32_TSC_AUX in ECX",
            (o, r) => r["cpuid_rdtscp"] == "0" ? Hidden(o, "RDTSCP", "CPUID.80000001H:EDX[27]") : Completed(o)),
        ["rdpid-cpl3/rdpid"] = new("RDPID at CPL3",
            "SDM Vol. 2B RDPID: #UD if CPUID.(EAX=07H,ECX=0):ECX.RDPID[22] = 0",
            (o, r) => r["cpuid_rdpid"] == "0" ? Hidden(o, "RDPID", "CPUID.7.0:ECX[22]") : Completed(o)),
        ["iopl3-port-io/in"] = new("IN from port 0x80 at CPL3 with RFLAGS.IOPL = 3 and no I/O permission bitmap",
            "SDM Vol. 1 19.5.1: I/O is allowed when CPL <= IOPL; the bitmap is consulted only when CPL > IOPL (19.5.2)",
            (o, _) => Completed(o)),
        ["iopl3-cli-sti/cli"] = new("CLI at CPL3 with RFLAGS.IOPL = 3",
            "SDM Vol. 2A CLI: with CPL <= IOPL, IF is cleared and no exception is raised",
            (o, _) => Completed(o)),
        ["iopl3-cli-sti/sti"] = new("STI at CPL3 with RFLAGS.IOPL = 3",
            "SDM Vol. 2B STI: with CPL <= IOPL, IF is set and no exception is raised",
            (o, _) => Completed(o)),
        ["pushf-cpl3/pushf"] = new("PUSHFQ at CPL3, entered by IRETQ with RFLAGS = 0x3202",
            "SDM Vol. 2B PUSHF and Vol. 1 3.4.3: the image is the guest's RFLAGS: IOPL = 3 and IF = 1 as IRETQ loaded them",
            (o, _) => Completed(o) ?? ((o.Value & (RflagsIopl | RflagsIf)) == (RflagsIopl | RflagsIf) ? null
                : $"RFLAGS read 0x{o.Value:x}: IOPL {o.Value >> 12 & 3}, IF {o.Value >> 9 & 1}, not the guest's IOPL 3, IF 1")),
        ["mov-cs-cpl3/mov-cs"] = new("MOV AX, CS at CPL3 (the stub's user code selector 0x23)",
            "SDM Vol. 3A 5.5 and 3.4.2: CS holds the guest's selector, whose RPL is the CPL (3)",
            (o, _) => Completed(o) ?? (o.Value == 0x23 ? null : $"CS read 0x{o.Value:x}, not the guest's 0x23 (RPL {o.Value & 3})")),
        ["descriptor-tables-cpl3/sgdt"] = new("SGDT at CPL3", "SDM Vol. 2B SGDT: stores the guest's GDTR; #GP(0) at CPL > 0 only with CR4.UMIP = 1",
            (o, r) => TableMatches(o, r)),
        ["descriptor-tables-cpl3/sidt"] = new("SIDT at CPL3", "SDM Vol. 2B SIDT: stores the guest's IDTR; #GP(0) at CPL > 0 only with CR4.UMIP = 1",
            (o, r) => TableMatches(o, r)),
        ["descriptor-tables-cpl3/str"] = new("STR at CPL3", "SDM Vol. 2B STR: the guest's TR selector; #GP(0) at CPL > 0 only with CR4.UMIP = 1",
            (o, r) => RegisterMatches(o, r, 0xFFFF)),
        ["descriptor-tables-cpl3/sldt"] = new("SLDT at CPL3", "SDM Vol. 2B SLDT: the guest's LDTR selector; #GP(0) at CPL > 0 only with CR4.UMIP = 1",
            (o, r) => RegisterMatches(o, r, 0xFFFF)),
        ["descriptor-tables-cpl3/smsw"] = new("SMSW EAX at CPL3", "SDM Vol. 2B SMSW: bits 15:0 of the guest's CR0; #GP(0) at CPL > 0 only with CR4.UMIP = 1",
            (o, r) => RegisterMatches(o, r, 0xFFFF)),
        ["sysretq/syscall-sysretq"] = new("SYSCALL from CPL3, then SYSRETQ at CPL0 (LSTAR code) with RCX and R11 as SYSCALL left them",
            "SDM Vol. 2B SYSRET: returns to CPL3 at RCX with RFLAGS from R11, CS = STAR[63:48] + 16 | 3; #GP only for CPL != 0 or a non-canonical RCX",
            (o, r) => Syscall(o, r, "SYSRETQ")),
        ["syscall-port-io/syscall-out"] = new("SYSCALL from CPL3, then OUT to port 0x80 in the CPL0 code at LSTAR",
            "SDM Vol. 2B SYSCALL: CS = STAR[47:32] with CPL 0; Vol. 1 19.5.1: I/O at CPL 0 is always allowed (CPL <= IOPL)",
            (o, r) => Syscall(o, r, "OUT")),
        ["int3-cpl0/int3"] = new("INT3 at CPL0",
            "SDM Vol. 3A 6.12.1.1 and 6.5: INT3 at CPL0 through the #BP gate is delivered as a trap; the handler returns after it",
            (o, _) => CpuZeroTrap(o)),
        ["int-n-cpl0/int21"] = new("INT 0x21 at CPL0 through a DPL0 gate",
            "SDM Vol. 3A 6.12.1.1: CPL 0 <= DPL 0, so the handler runs; the saved RIP is the next instruction",
            (o, _) => CpuZeroTrap(o)),
        ["icebp-cpl0/icebp"] = new("INT1 (ICEBP) at CPL0",
            "SDM Vol. 3A 6.12.1.1 and 17.3.1: INT1 raises a trap-like #DB; the handler returns after it",
            (o, _) => CpuZeroTrap(o)),
        ["rdtscp-cpl0/rdtscp"] = new("RDTSCP at CPL0",
            "SDM Vol. 2B RDTSCP: #UD if CPUID.80000001H:EDX.RDTSCP[27] = 0, at any CPL; else it returns IA32_TSC_AUX",
            (o, r) => r["cpuid_rdtscp"] == "0"
                ? (o is { Event: true, RipAfter: false } ? null : $"RDTSCP, hidden by CPUID.80000001H:EDX[27] = 0, gave {o.Describe()} instead of #UD")
                : Completed(o)),
        ["tsc-aux-msr/rdmsr"] = new("RDMSR IA32_TSC_AUX (0xC0000103) at CPL0",
            "SDM Vol. 4 Table 2-2: IA32_TSC_AUX exists if CPUID.80000001H:EDX[27] = 1 or CPUID.(EAX=7,ECX=0):ECX[22] = 1; Vol. 2B RDMSR: an absent MSR raises #GP(0)",
            (o, r) => TscAux(o, r)),
        ["movbe-cpl0/movbe"] = new("MOVBE RAX, [RSP] at CPL0",
            "SDM Vol. 2B MOVBE: #UD if CPUID.01H:ECX.MOVBE[bit 22] = 0; else it loads the byte-swapped quadword",
            (o, r) => OfferedOrUd(o, r, "cpuid_movbe", "MOVBE", "CPUID.01H:ECX[22]")),
        ["xgetbv-cpl0/xgetbv"] = new("XGETBV of XCR0 at CPL0, CR4.OSXSAVE set first where CPUID offers XSAVE",
            "SDM Vol. 2C XGETBV: #UD if CR4.OSXSAVE = 0, which software can set only with CPUID.01H:ECX.XSAVE[bit 26] = 1 (Vol. 3A 2.5); XCR0 bit 0 (x87) is always 1 (Vol. 1 13.3)",
            (o, r) => OfferedOrUd(o, r, "cpuid_xsave", "XGETBV", "CPUID.01H:ECX[26]")
                ?? (r["cpuid_xsave"] == "1" && (o.Value & 1) == 0 ? $"XCR0 read 0x{o.Value:x}, without its always-set x87 bit" : null)),
        ["xsetbv-clear-x87-cpl0/xsetbv"] = new("XSETBV XCR0 = 0 at CPL0, CR4.OSXSAVE set first where CPUID offers XSAVE",
            "SDM Vol. 2C XSETBV: #GP(0) on an attempt to clear XCR0 bit 0; #UD if CR4.OSXSAVE = 0 (XSAVE hidden, CPUID.01H:ECX[26] = 0)",
            (o, r) => r["cpuid_xsave"] == "1" ? Fault(o, Gp, 0) : Hidden(o, "XSETBV", "CPUID.01H:ECX[26]")),
        ["invpcid-cpl0/invpcid"] = new("INVPCID type 2 (all contexts) with a zero descriptor at CPL0",
            "SDM Vol. 2B INVPCID: #UD if CPUID.(EAX=07H,ECX=0):EBX.INVPCID[bit 10] = 0; type 2 at CPL0 invalidates and raises nothing",
            (o, r) => OfferedOrUd(o, r, "cpuid_invpcid", "INVPCID", "CPUID.7.0:EBX[10]")),
        ["clac-stac-cpl0/clac"] = new("CLAC at CPL0",
            "SDM Vol. 2A CLAC: #UD if CPUID.(EAX=07H,ECX=0):EBX.SMAP[bit 20] = 0; else it clears RFLAGS.AC",
            (o, r) => OfferedOrUd(o, r, "cpuid_smap", "CLAC", "CPUID.7.0:EBX[20]")),
        ["clac-stac-cpl0/stac"] = new("STAC at CPL0",
            "SDM Vol. 2B STAC: #UD if CPUID.(EAX=07H,ECX=0):EBX.SMAP[bit 20] = 0; else it sets RFLAGS.AC",
            (o, r) => OfferedOrUd(o, r, "cpuid_smap", "STAC", "CPUID.7.0:EBX[20]")),
        ["clflushopt-cpl0/clflushopt"] = new("CLFLUSHOPT [RSP] at CPL0",
            "SDM Vol. 2A CLFLUSHOPT: #UD if CPUID.(EAX=07H,ECX=0):EBX.CLFLUSHOPT[bit 23] = 0",
            (o, r) => OfferedOrUd(o, r, "cpuid_clflushopt", "CLFLUSHOPT", "CPUID.7.0:EBX[23]")),
        ["clwb-cpl0/clwb"] = new("CLWB [RSP] at CPL0",
            "SDM Vol. 2A CLWB: #UD if CPUID.(EAX=07H,ECX=0):EBX.CLWB[bit 24] = 0",
            (o, r) => OfferedOrUd(o, r, "cpuid_clwb", "CLWB", "CPUID.7.0:EBX[24]")),
        ["rdpid-cpl0/rdpid"] = new("RDPID at CPL0",
            "SDM Vol. 2B RDPID: #UD if CPUID.(EAX=07H,ECX=0):ECX.RDPID[bit 22] = 0, at any CPL",
            (o, r) => OfferedOrUd(o, r, "cpuid_rdpid", "RDPID", "CPUID.7.0:ECX[22]")),
        ["rdpru-cpl0/rdpru"] = new("RDPRU with ECX = 0 (MPERF) at CPL0",
            "AMD APM Vol. 3 RDPRU: #UD if CPUID Fn8000_0008_EBX[RDPRU] (bit 4) = 0 (the SDM defines no 0F 01 FD)",
            (o, r) => OfferedOrUd(o, r, "cpuid_rdpru", "RDPRU", "CPUID.80000008H:EBX[4]")),
        ["vmcall-cpl0/vmcall"] = new("VMCALL at CPL0 with RAX = 0x7fff, a hypercall number nobody defines",
            "SDM Vol. 2C VMCALL: #UD outside VMX operation, unless a hypervisor takes it; where CPUID.40000000H says KVMKVMKVM, KVM's ABI (Linux Documentation/virt/kvm/x86/hypercalls.rst, on either vendor's instruction) returns -KVM_ENOSYS (-1000) in RAX; " + XenHypercallRule,
            (o, r) => Hypercall(o, r, intelInstruction: true)),
        ["vmmcall-cpl0/vmmcall"] = new("VMMCALL at CPL0 with RAX = 0x7fff, a hypercall number nobody defines",
            "AMD APM Vol. 3 VMMCALL: #UD when no hypervisor intercepts it; where CPUID.40000000H says KVMKVMKVM, KVM's ABI (Linux Documentation/virt/kvm/x86/hypercalls.rst, on either vendor's instruction) returns -KVM_ENOSYS (-1000) in RAX; " + XenHypercallRule,
            (o, r) => Hypercall(o, r, intelInstruction: false)),
        ["mov-cr4-reserved-cpl0/mov-cr4"] = new("MOV CR4 with reserved bit 63 set, at CPL0",
            "SDM Vol. 2B MOV (control registers): #GP(0) on an attempt to write 1 to any reserved bit of CR4",
            (o, _) => Fault(o, Gp, 0)),
        ["mov-dr0-cpl0/mov-dr0"] = new("MOV DR0, 0x12345000 then MOV RAX, DR0 at CPL0",
            "SDM Vol. 2B MOV (debug registers) and Vol. 3A 18.2.1: CPL0 may write a linear address to DR0 and reads it back",
            (o, r) => Completed(o) ?? (o.Value.ToString(CultureInfo.InvariantCulture) == r["written"] ? null : $"DR0 read back 0x{o.Value:x}, not the {r["written"]} written")),
        ["mov-dr7-reserved-cpl0/mov-dr7"] = new("MOV DR7 with bit 32 set, at CPL0",
            "SDM Vol. 2B MOV (debug registers): #GP(0) on an attempt to write 1 to any of bits 63:32 of DR6 or DR7",
            (o, _) => Fault(o, Gp, 0)),
        ["umip-cpl3/enable-umip"] = new("MOV CR4 setting CR4.UMIP (bit 11) at CPL0",
            "SDM Vol. 3A 2.5: CR4.UMIP exists where CPUID.(EAX=07H,ECX=0):ECX.UMIP[bit 2] = 1; else it is reserved and MOV CR4 raises #GP(0) (Vol. 2B MOV)",
            (o, r) => r["cpuid_umip"] == "1" ? Completed(o) : Fault(o, Gp, 0)),
        ["umip-cpl3/sgdt"] = new("SGDT at CPL3 after CPL0 set CR4.UMIP", "SDM Vol. 2B SGDT: #GP(0) if CR4.UMIP = 1 and CPL > 0", (o, r) => TableMatches(o, r)),
        ["umip-cpl3/sidt"] = new("SIDT at CPL3 after CPL0 set CR4.UMIP", "SDM Vol. 2B SIDT: #GP(0) if CR4.UMIP = 1 and CPL > 0", (o, r) => TableMatches(o, r)),
        ["umip-cpl3/str"] = new("STR at CPL3 after CPL0 set CR4.UMIP", "SDM Vol. 2B STR: #GP(0) if CR4.UMIP = 1 and CPL > 0", (o, r) => RegisterMatches(o, r, 0xFFFF)),
        ["umip-cpl3/sldt"] = new("SLDT at CPL3 after CPL0 set CR4.UMIP", "SDM Vol. 2B SLDT: #GP(0) if CR4.UMIP = 1 and CPL > 0", (o, r) => RegisterMatches(o, r, 0xFFFF)),
        ["umip-cpl3/smsw"] = new("SMSW at CPL3 after CPL0 set CR4.UMIP", "SDM Vol. 2B SMSW: #GP(0) if CR4.UMIP = 1 and CPL > 0", (o, r) => RegisterMatches(o, r, 0xFFFF)),
        ["page-fault-cr2/load"] = new("a CPL3 read of a linear address whose PDPT entry is not present",
            "SDM Vol. 3A 4.7 and 6.15 (Interrupt 14): #PF at the instruction, error code P=0 W/R=0 U/S=1 (0x4), CR2 = the linear address",
            (o, r) => PageFault(o, r, 0x4)),
        ["page-fault-cr2/store"] = new("a CPL3 write to a linear address whose PDPT entry is not present",
            "SDM Vol. 3A 4.7 and 6.15 (Interrupt 14): #PF at the instruction, error code P=0 W/R=1 U/S=1 (0x6), CR2 = the linear address",
            (o, r) => PageFault(o, r, 0x6)),
        ["spec-ctrl-msr/rdmsr"] = new("RDMSR IA32_SPEC_CTRL (0x48) at CPL0",
            "SDM Vol. 4 Table 2-2: IA32_SPEC_CTRL exists if CPUID.(EAX=07H,ECX=0):EDX[26], [27] or [31]; AMD APM Vol. 3 E.4.17: or CPUID.80000008H:EBX[14] IBRS, [15] STIBP, [24] SSBD; Vol. 2B RDMSR: an absent MSR raises #GP(0)",
            (_, r) => Announced(r, (1UL << 26) | (1UL << 27) | (1UL << 31), (1UL << 14) | (1UL << 15) | (1UL << 24))),
        ["pred-cmd-msr/wrmsr"] = new("WRMSR IA32_PRED_CMD (0x49) = 1 (IBPB) at CPL0",
            "SDM Vol. 4 Table 2-2: IA32_PRED_CMD exists if CPUID.(EAX=07H,ECX=0):EDX[26]; AMD APM Vol. 3 E.4.17: or CPUID.80000008H:EBX[12] IBPB; Vol. 2B WRMSR: an absent MSR raises #GP(0)",
            (_, r) => Announced(r, 1UL << 26, 1UL << 12)),
        ["flush-cmd-msr/wrmsr"] = new("WRMSR IA32_FLUSH_CMD (0x10B) = 1 (L1D_FLUSH) at CPL0",
            "SDM Vol. 4 Table 2-2: IA32_FLUSH_CMD exists if CPUID.(EAX=07H,ECX=0):EDX[28]; Vol. 2B WRMSR: an absent MSR raises #GP(0)",
            (_, r) => Announced(r, 1UL << 28, 0)),
        ["tsc-adjust-msr/rdmsr-wrmsr"] = new("RDMSR IA32_TSC_ADJUST (0x3B), then WRMSR of it + 2^36 with RDTSC before and after, at CPL0",
            "SDM Vol. 4 Table 2-2: IA32_TSC_ADJUST exists if CPUID.(EAX=07H,ECX=0):EBX[1]; Vol. 3B 18.17.3: a write adds the difference to the TSC",
            (_, r) => TscAdjust(r)),
        ["tsc-write-msr/wrmsr"] = new("WRMSR IA32_TIME_STAMP_COUNTER (0x10) = RDTSC + 2^36 at CPL0",
            "SDM Vol. 3B 18.17.3: the write sets the TSC, and where IA32_TSC_ADJUST exists (CPUID.(EAX=07H,ECX=0):EBX[1]) it moves by the same amount",
            (_, r) => TscWrite(r)),
        ["cpuid-vcpus/differs"] = new("CPUID at CPL0 on every vCPU, leaves 0–0x20, 0x40000000–1, 0x80000000–0x80000021, the APIC-ID and CR4-mirror fields masked",
            "SDM Vol. 2A CPUID: the leaves describe the processor; only the initial APIC ID fields (leaf 1 EBX[31:24], leaves 0xB and 0x1F EDX, AMD 0x8000001E) and the bits mirroring this vCPU's CR4 (OSXSAVE, OSPKE) or XCR0 (leaf 0xD EBX) may differ between logical processors",
            (o, r) => $"vCPU {r["cpu"]} read 0x{o.Value:x} in CPUID.{r["leaf"]}.{r["subleaf"]}:{r["register"]?.ToUpperInvariant()}, vCPU 0 read {r["reference"]}"),
        ["cpuid-vcpus/summary"] = new("CPUID at CPL0 on every vCPU",
            "SDM Vol. 2A CPUID: every logical processor of one machine reports the same leaves, APIC-ID fields aside",
            (o, r) => r["vcpus"] is "0" or "1" ? $"only {r["vcpus"]} vCPU ran, nothing to compare" : null),
        ["cpuid-cpl3/differs"] = new("CPUID of the same leaves at CPL3 and at CPL0 (through the gate) on vCPU 0",
            "SDM Vol. 2A CPUID: not a privileged instruction, the same at every CPL (only CPUID faulting, never enabled here, sets CPL3 apart)",
            (o, r) => $"CPL3 read 0x{o.Value:x} in CPUID.{r["leaf"]}.{r["subleaf"]}:{r["register"]?.ToUpperInvariant()}, CPL0 read {r["reference"]}"),
        ["gate-dpl3-code-cpl3/interrupt"] = new("a self-IPI (vector 0x41) taken at CPL3 through an interrupt gate whose code segment is the DPL3 one (0x20)",
            "SDM Vol. 2A INT n (IA-32e mode) and Vol. 3A 6.12.1: a handler segment with DPL = CPL is an intra-privilege call: the handler runs at CPL3 with CS 0x23 on the interrupted stack (aligned to 16, then SS, RSP, RFLAGS, CS, RIP pushed: 40 bytes), no switch to TSS.RSP0",
            (o, r) => IntraPrivilege(o, r, UserCode64 | 3)),
        ["gate-conforming-cpl3/interrupt"] = new("a self-IPI (vector 0x41) taken at CPL3 through an interrupt gate whose code segment is the conforming DPL0 one (0x28)",
            "SDM Vol. 2A INT n (IA-32e mode) and Vol. 3A 5.8.1.2, 6.12.1: a conforming handler segment runs at the current privilege: CPL3, CS 0x2b (RPL = CPL), on the interrupted stack (aligned to 16, 40 bytes pushed), no switch to TSS.RSP0",
            (o, r) => IntraPrivilege(o, r, ConformingCode64 | 3)),
        ["gate-dpl3-code-cpl0/interrupt"] = new("a self-IPI (vector 0x41) taken at CPL0 (STI; HLT) through an interrupt gate whose code segment is the DPL3 one (0x20)",
            $"SDM Vol. 2A INT n (IA-32e mode): a non-conforming handler segment with DPL > CPL raises #GP(selector | EXT), EXT = 1 for an external interrupt (Vol. 3A 6.13): #GP(0x{(UserCode64 | 1):x}); the handler never runs",
            (o, _) => !o.Event ? $"the DPL3 handler ran, with CS 0x{o.Value:x}, for an interrupt taken at CPL0"
                : o.Vector == Gp && o.Error == (UserCode64 | 1) ? null
                : $"its delivery raised {o.Describe()} instead of #GP(0x{(UserCode64 | 1):x})"),
        ["iretq-cs-rpl-cpl3/iretq"] = new("IRETQ at CPL3 to a CS selector with RPL 0 (0x20)",
            $"SDM Vol. 2A IRET (protected-mode return): IF return code segment selector RPL < CPL THEN #GP(return code segment selector) = #GP(0x{UserCode64:x}), at the IRETQ",
            (o, _) => Fault(o, Gp, UserCode64)),
        ["iretq-ss-rpl-cpl0/iretq"] = new("IRETQ at CPL0 returning to CS 0x23 with SS 0x18 (RPL 0)",
            $"SDM Vol. 2A IRET (return to outer privilege level): IF SS selector RPL != RPL of the return code segment selector THEN #GP(SS selector) = #GP(0x{UserData:x}), at the IRETQ",
            (o, _) => Fault(o, Gp, UserData)),
        ["iretq-null-ss-cpl0/iretq"] = new("IRETQ at CPL0 returning to CPL3 (CS 0x23) with a null SS",
            "SDM Vol. 2A IRET (IA-32e mode, return to outer privilege level): a null SS is allowed only when returning to CPL < 3 in 64-bit mode; returning to CPL3 it raises #GP(0), at the IRETQ",
            (o, _) => Fault(o, Gp, 0)),
        ["call-gate-cpl3/call-far"] = new("CALL FAR at CPL3 through the DPL3 64-bit call gate 0x143 to the DPL0 code segment 0x08",
            "SDM Vol. 3A 5.8.4–5.8.6 and Vol. 2A CALL (IA-32e mode, call gate): DPL >= CPL and >= RPL, so the call goes to CPL0 (CS 0x08) on TSS.RSP0, with the caller's SS, RSP, CS (0x23) and RIP pushed, 8 bytes each; RET FAR returns to CPL3",
            (o, r) => CallGate(o, r)),
        ["call-gate-dpl0-cpl3/call-far"] = new("CALL FAR at CPL3 through the DPL0 64-bit call gate 0x150",
            $"SDM Vol. 2A CALL (call gate) and Vol. 3A 5.8.4: IF call gate DPL < CPL or RPL > DPL THEN #GP(call gate selector) = #GP(0x{CallGateDpl0:x}), at the CALL",
            (o, _) => Fault(o, Gp, CallGateDpl0)),
        ["sysenter-cpl3/sysenter"] = new("SYSENTER at CPL3 with IA32_SYSENTER_CS = 0",
            "SDM Vol. 2B SYSENTER: #UD if CPUID.01H:EDX.SEP[bit 11] = 0; #GP(0) if IA32_SYSENTER_CS[15:2] = 0; AMD APM Vol. 3 SYSENTER: #UD in long mode (a CPUID vendor other than GenuineIntel)",
            (o, r) => Sysenter(o, r)),
        ["sysenter-sysexit/sysenter"] = new("SYSENTER at CPL3 with IA32_SYSENTER_CS = 0x160 (the stub's SYSENTER block), _ESP = a 16-byte aligned stack of the probe's, _EIP = the stub's entry",
            "SDM Vol. 2B SYSENTER (IA-32e mode; Vol. 3A 5.8.7): CPL0 at IA32_SYSENTER_EIP with RSP = IA32_SYSENTER_ESP, CS = IA32_SYSENTER_CS AND 0xFFFC, SS = CS + 8, RFLAGS.VM, IF and RF cleared and no other flag changed; #UD if CPUID.01H:EDX.SEP[bit 11] = 0; AMD APM Vol. 3 SYSENTER: #UD in long mode (a CPUID vendor other than GenuineIntel)",
            (o, r) => SysenterEntry(o, r)),
        ["sysenter-sysexit/sysexit"] = new("SYSEXIT with REX.W at CPL0 (in the SYSENTER entry) with RDX = a CPL3 landing and RCX = the caller's RSP - 256",
            "SDM Vol. 2B SYSEXIT (64-bit operand size): CPL3 at RDX with RSP = RCX, CS = IA32_SYSENTER_CS + 32 OR 3, SS = CS + 8, no flag affected; #GP(0) only at CPL > 0, with IA32_SYSENTER_CS[15:2] = 0, or a non-canonical RCX or RDX",
            (o, r) => Sysexit(o, r)),
        ["pvi-cli-sti-cpl3/enable-pvi"] = new("MOV CR4 setting CR4.PVI (bit 1) at CPL0",
            "SDM Vol. 3A 2.5: CR4.PVI exists where CPUID.01H:EDX.VME[bit 1] = 1; else it is reserved and MOV CR4 raises #GP(0) (Vol. 2B MOV)",
            (o, r) => r["cpuid_vme"] == "1" ? Completed(o) : Fault(o, Gp, 0)),
        ["pvi-cli-sti-cpl3/iretq-vif"] = new("the gate's IRETQ at CPL0 back to CPL3 with IOPL 0 and VIF 1 in its RFLAGS image, then PUSHFQ at CPL3",
            "SDM Vol. 2A IRET (protected-mode return, CPL 0): IOPL and, with a 32- or 64-bit operand size, VIF and VIP are loaded from the RFLAGS image",
            (o, r) => (CpuOutcome.Hex(r["rflags"]) & RflagsVif) != 0 ? null : $"VIF was 0 after the IRETQ (RFLAGS 0x{CpuOutcome.Hex(r["rflags"]):x}): the image's VIF 1 was not loaded"),
        ["pvi-cli-sti-cpl3/cli"] = new("CLI at CPL3 in 64-bit mode with IOPL 0 and VIF 1 (set by the gate's IRETQ) and CR4.PVI as CPL0 read it back",
            "SDM Vol. 2A CLI (Operation) and Vol. 3A 20.4: with CR0.PE = 1 and RFLAGS.VM = 0 (64-bit mode included: the 64-bit mode exceptions are the protected mode's), IOPL < CPL = 3 and CR4.PVI = 1, CLI clears VIF and leaves IF, raising nothing; with CR4.PVI = 0 it raises #GP(0)",
            (o, r) => VirtualInterruptFlag(o, r, "CLI", false)),
        ["pvi-cli-sti-cpl3/sti"] = new("STI at CPL3 in 64-bit mode with IOPL 0, VIP 0, after the CLI",
            "SDM Vol. 2B STI (Operation, Table 4-24 'Protected, PVI') and Vol. 3A 20.4: with IOPL < CPL = 3, CR4.PVI = 1 and VIP = 0, STI sets VIF and leaves IF, raising nothing; with CR4.PVI = 0 it raises #GP(0)",
            (o, r) => VirtualInterruptFlag(o, r, "STI", true)),
        ["pvi-cli-sti-cpl3/sti-vip"] = new("STI at CPL3 in 64-bit mode with IOPL 0 and VIP 1 (set by the gate's IRETQ)",
            "SDM Vol. 2B STI (Operation) and Vol. 3A 20.4: in PVI mode with VIP = 1 STI raises #GP(0) (the monitor delivers the pending interrupt); without PVI, IOPL < CPL raises #GP(0) as well",
            (o, _) => Fault(o, Gp, 0)),
        ["cr0-pg-clear-cpl0/mov-cr0"] = new("MOV CR0 clearing PG (bit 31) at CPL0 in 64-bit mode",
            "SDM Vol. 2B MOV (control registers), 64-bit mode exceptions: #GP(0) on an attempt to clear CR0.PG; Vol. 3A 10.8.5.4: software leaves IA-32e mode from compatibility mode only",
            (o, _) => ClearInLongMode(o, "CR0.PG")),
        ["cr4-pae-clear-cpl0/mov-cr4"] = new("MOV CR4 clearing PAE (bit 5) at CPL0 in 64-bit mode",
            "SDM Vol. 2B MOV (control registers), 64-bit mode exceptions: #GP(0) on an attempt to clear CR4.PAE while IA32_EFER.LMA = 1",
            (o, _) => ClearInLongMode(o, "CR4.PAE")),
        ["xsave-family-cpl3/xgetbv"] = new("XGETBV of XCR0 at CPL3",
            "SDM Vol. 2C XGETBV: #UD if CR4.OSXSAVE[bit 18] = 0; else it returns XCR0 at any CPL",
            (o, r) => Xsave(o, r, "XGETBV", false)),
        ["xsave-family-cpl3/xsave"] = new("XSAVE of x87 | SSE to a 64-byte aligned buffer at CPL3",
            "SDM Vol. 2C XSAVE: #UD if CR4.OSXSAVE[bit 18] = 0; else it saves the state at any CPL",
            (o, r) => Xsave(o, r, "XSAVE", false)),
        ["xsave-family-cpl3/xsetbv"] = new("XSETBV of XCR0 = 3 at CPL3",
            "SDM Vol. 2C XSETBV: #UD if CR4.OSXSAVE[bit 18] = 0, #GP(0) at CPL > 0; with both, the #UD (Vol. 3A 6.9, Table 6-2: an invalid opcode, priority 9, comes before a fault on executing the instruction, priority 10)",
            (o, r) => Xsave(o, r, "XSETBV", true)),
        ["soft-exception-restore/int3"] = new("INT3 at CPL3 in a loop while the host saved and reverted snapshots",
            "SDM Vol. 3A 6.5 and 6.12.1.1: every INT3 delivers #BP (a trap) before the next instruction; a VMM's save/restore must carry a pending soft exception",
            (_, r) => $"INT3 at iteration {r["iteration"]} went on to the next instruction without its #BP handler having run (the soft exception was lost across save/revert)"),
    };

    /// <summary>KVM's answer to a hypercall it does not know: -KVM_ENOSYS (-1000), low 32 bits (include/uapi/linux/kvm_para.h).</summary>
    public const ulong KvmEnosysLow = 0xFFFF_FC18;

    /// <summary>Xen's answer to a hypercall number it has no handler for: -ENOSYS (-38), low 32 bits (xen/arch/x86/hvm/hypercall.c).</summary>
    public const ulong XenEnosysLow = 0xFFFF_FFDA;

    private const string XenHypercallRule =
        "where a hypervisor leaf says XenVMMXenVMM, Xen takes its CPU vendor's instruction (VMCALL on Intel, VMMCALL on AMD: its hypercall page's) and returns -ENOSYS (-38) for an unknown number at CPL0 (xen/arch/x86/hvm/hypercall.c hvm_hypercall), and injects #UD for the other vendor's (hvm_ud_intercept emulates it only across vendors)";

    /// <summary>The checks the guest side implements (probes/CpuChecks.cs), for the cases and the oracle tests.</summary>
    public static IEnumerable<string> Checks => Rules.Keys.Select(k => k[..k.IndexOf('/')]).Distinct();

    /// <summary>The SDM rules behind <paramref name="check"/>, for the evidence's oracle line.</summary>
    public static string Citation(string check) =>
        string.Join("; ", Rules.Where(r => r.Key.StartsWith(check + "/", StringComparison.Ordinal)).Select(r => r.Value.Sdm).Distinct());

    /// <summary>
    /// Judges <paramref name="check"/> from the probe's records. <paramref name="vmStop"/> is the VMM's own report when the VM
    /// stopped after the guest announced the instruction (a KVM internal error, say); null when it ran on.
    /// </summary>
    public static IReadOnlyList<string> Check(string check, IReadOnlyList<Record> records, string? vmStop) =>
        Deviations(check, records, vmStop).Select(d => d.Text).ToList();

    /// <summary>
    /// As <see cref="Check"/>, each problem with the check (the record's op) it belongs to and what was measured. A VM stop
    /// belongs to the first check with no record (the guest announced it and reported nothing after), a missing outcome to none.
    /// </summary>
    public static IReadOnlyList<CpuDeviation> Deviations(string check, IReadOnlyList<Record> records, string? vmStop)
    {
        var problems = new List<CpuDeviation>();
        var mine = records.Where(r => r.Kind == "cpu" && r["check"] == check).ToList();
        bool entered = records.Any(r => r.Kind == "cpu-enter" && r["check"] == check);
        foreach (var r in mine)
        {
            if (Rules.TryGetValue($"{check}/{r["op"]}", out var rule) && rule.Judge(CpuOutcome.From(r), r) is { } wrong)
            {
                problems.Add(new CpuDeviation(r["op"] ?? "", wrong, $"{rule.Did}: {wrong} [{rule.Sdm}] (record: {r.Line})"));
            }
        }

        var expected = Rules.Where(r => r.Key.StartsWith(check + "/", StringComparison.Ordinal)).ToList();
        if (vmStop is not null && (entered || mine.Count > 0))
        {
            string did = string.Join(", then ", expected.Select(e => e.Value.Did).Distinct());
            var ops = expected.Select(e => e.Key[(check.Length + 1)..]).ToList();
            string stopped = ops.FirstOrDefault(op => !mine.Any(r => r["op"] == op)) ?? ops.LastOrDefault() ?? "";
            string measured = $"the VM stopped instead ({vmStop})";
            problems.Add(new CpuDeviation(stopped, measured, $"{did}: {measured} [{string.Join("; ", expected.Select(e => e.Value.Sdm).Distinct())}; no instruction's outcome is a VM stop]"));
        }
        else if (mine.Count == 0 && vmStop is null)
        {
            string measured = $"the probe reported no outcome for {check} ({(entered ? "it announced the instruction and then said nothing" : "it never reached the instruction")})";
            problems.Add(new CpuDeviation("", measured, measured));
        }

        return problems;
    }

    /// <summary>
    /// Why the records do not show what the target does with the instruction, or null when they do: the VM stopped before
    /// the guest reached it, the probe reported no outcome (it never reached the instruction, or announced it and then said
    /// nothing, the VM not stopping), or the interrupt a CPL3 gate check waits for never came, so no gate was used. A
    /// deviation rig.json declares for a target (hostLimits) is something the host does with the instruction; a run that
    /// did not show that cannot be the declared deviation, and is judged as what it is.
    /// </summary>
    public static string? Unobserved(string check, IReadOnlyList<Record> records, string? vmStop)
    {
        var mine = records.Where(r => r.Kind == "cpu" && r["check"] == check).ToList();
        if (vmStop is not null)
        {
            return mine.Count > 0 || records.Any(r => r.Kind == "cpu-enter" && r["check"] == check) ? null
                : $"the VM stopped before the guest reached the instruction ({vmStop})";
        }

        if (mine.Count == 0)
        {
            return $"the probe reported no outcome for {check}";
        }

        return mine.FirstOrDefault(r => r["op"] == "interrupt" && r["level"] != "cpl0" && CpuOutcome.From(r) is { Event: false, Value: 0 }) is { } none
            ? $"the self-IPI never arrived within the wait, so no gate was used (record: {none.Line})"
            : null;
    }

    private static string? Trap(CpuOutcome o, int vector) =>
        o is { Event: true, RipAfter: true } && o.Vector == vector ? null
        : !o.Event ? "no event at all: the handler never ran and execution went on past the instruction (the target dropped it)"
        : $"it gave {o.Describe()} instead of {CpuOutcome.ExceptionName(vector)} as a trap";

    private static string? Fault(CpuOutcome o, int vector, ulong? error) =>
        o is { Event: true, RipAfter: false } && o.Vector == vector && (error is null || o.Error == error) ? null
        : $"it gave {o.Describe()} instead of {CpuOutcome.ExceptionName(vector)}{(error is { } e ? $"(0x{e:x})" : "")} at the instruction";

    private static string? Completed(CpuOutcome o) => o.Event ? $"it raised {o.Describe()} instead of completing" : null;

    private static string? Hidden(CpuOutcome o, string instruction, string bit) =>
        o is { Event: true, RipAfter: false, Vector: Ud } ? null
        : !o.Event ? $"{instruction} is hidden ({bit} = 0) yet it executed and returned 0x{o.Value:x}"
        : $"{instruction} is hidden ({bit} = 0) and gave {o.Describe()} instead of #UD";

    private static string? CpuZeroTrap(CpuOutcome o) =>
        o is { Event: true, RipAfter: true } ? null
        : !o.Event ? "no event: the handler never ran (the target dropped it)"
        : $"it gave {o.Describe()} instead of a trap to its handler";

    private static string? OfferedOrUd(CpuOutcome o, Record r, string key, string instruction, string bit) =>
        r[key] == "1" ? Completed(o) : Hidden(o, instruction, bit);

    private static string? Hypercall(CpuOutcome o, Record r, bool intelInstruction)
    {
        if (r["kvm_signature"] == "1")
        {
            return Completed(o) ?? (o.Value == KvmEnosysLow ? null : $"RAX came back with low half 0x{o.Value:x}, not -KVM_ENOSYS (0x{KvmEnosysLow:x})");
        }

        bool xen = r["xen_signature"] == "1";
        if (xen && (r["intel"] == "1") == intelInstruction)
        {
            return Completed(o) ?? (o.Value == XenEnosysLow ? null : $"Xen's hypercall instruction: RAX came back with low half 0x{o.Value:x}, not -ENOSYS (0x{XenEnosysLow:x})");
        }

        return o is { Event: true, RipAfter: false, Vector: Ud } ? null
            : xen ? $"Xen is there but takes the other vendor's instruction (this CPU is {(r["intel"] == "1" ? "Intel" : "not Intel")}), yet it gave {o.Describe()} instead of #UD"
            : $"no hypervisor claims it (CPUID.40000000H is not KVMKVMKVM and no leaf says XenVMMXenVMM), yet it gave {o.Describe()} instead of #UD";
    }

    private static string? PageFault(CpuOutcome o, Record r, ulong error) =>
        Fault(o, 14, error) ?? (r["cr2"] == r["address"] ? null : $"CR2 was {r["cr2"]}, not the faulting address {r["address"]}");

    /// <summary>An MSR that exists iff a bit of CPUID.7.0:EDX (Intel's enumeration) or of CPUID.80000008H:EBX (AMD's) announces it.</summary>
    private static string? Announced(Record r, ulong leaf7Edx, ulong leaf80000008Ebx)
    {
        bool exists = (CpuOutcome.Hex(r["leaf7_edx"]) & leaf7Edx) != 0 || (CpuOutcome.Hex(r["leaf80000008_ebx"]) & leaf80000008Ebx) != 0;
        bool gp = r["gp"] == "1";
        return exists == !gp ? null
            : exists ? "the MSR CPUID announces raised #GP"
            : $"CPUID announces it nowhere (7.0:EDX {r["leaf7_edx"]}, 80000008H:EBX {r["leaf80000008_ebx"]}), yet the access succeeded{(r["op"] == "rdmsr" ? $" and read {r["result"]}" : "")}";
    }

    /// <summary>RDTSC moved by at least the step written and not by a quarter more (a few gate calls, however loaded the host).</summary>
    private static string? TscMoved(Record r, string what)
    {
        ulong moved = CpuOutcome.Hex(r["tsc_moved"]), step = CpuOutcome.Hex(r["step"]);
        return moved >= step && moved - step < step / 4 ? null : $"{what}, RDTSC moved by 0x{moved:x}, not by the step 0x{step:x} (plus the time between)";
    }

    private static string? TscAdjust(Record r)
    {
        bool offered = r["cpuid_tsc_adjust"] == "1", gp = r["gp"] == "1";
        return offered && gp ? "IA32_TSC_ADJUST, announced by CPUID.7.0:EBX[1], raised #GP"
            : !offered && !gp ? $"IA32_TSC_ADJUST is not announced (CPUID.7.0:EBX[1] = 0), yet RDMSR read {r["result"]}"
            : gp ? null
            : r["written"] != "1" ? "the write of IA32_TSC_ADJUST raised #GP although its read did not"
            : TscMoved(r, "after IA32_TSC_ADJUST += step");
    }

    private static string? TscWrite(Record r)
    {
        if (r["gp"] == "1")
        {
            return "the write of IA32_TIME_STAMP_COUNTER raised #GP";
        }

        ulong adjust = CpuOutcome.Hex(r["adjust_moved"]), step = CpuOutcome.Hex(r["step"]);
        return TscMoved(r, "after IA32_TSC = RDTSC + step")
            ?? (r["cpuid_tsc_adjust"] != "1" ? null
                : r["adjust_readable"] != "1" ? "IA32_TSC_ADJUST, announced by CPUID.7.0:EBX[1], could not be read around the write"
                : adjust <= step && step - adjust < step / 4 ? null
                : $"IA32_TSC_ADJUST moved by 0x{adjust:x}, not by the TSC's step 0x{step:x} (less the time between)");
    }

    private static bool Umip(Record r) => (CpuOutcome.Hex(r["cr4"]) & Cr4Umip) != 0;

    private static string? UmipFault(CpuOutcome o) =>
        o is { Event: true, RipAfter: false, Vector: Gp } ? null : $"with CR4.UMIP = 1 it gave {o.Describe()} instead of #GP(0)";

    private static string? TableMatches(CpuOutcome o, Record r)
    {
        if (Umip(r))
        {
            return UmipFault(o);
        }

        if (Completed(o) is { } raised)
        {
            return raised;
        }

        return r["base"] == r["cpl0_base"] && r["limit"] == r["cpl0_limit"] ? null
            : $"CPL3 read base {r["base"]} limit {r["limit"]}, CPL0 reads base {r["cpl0_base"]} limit {r["cpl0_limit"]}: CPL3 saw another table (the host's)";
    }

    private static string? RegisterMatches(CpuOutcome o, Record r, ulong mask)
    {
        if (Umip(r))
        {
            return UmipFault(o);
        }

        ulong cpl0 = CpuOutcome.Hex(r["cpl0"]) & mask;
        return Completed(o) ?? ((o.Value & mask) == cpl0 ? null : $"CPL3 read 0x{o.Value & mask:x}, CPL0 reads 0x{cpl0:x}: CPL3 saw another value (the host's)");
    }

    /// <summary>Why the check cannot run on this target (it does not offer the instruction at all), or null.</summary>
    public static string? Unavailable(IReadOnlyList<Record> records) =>
        records.Any(r => r.Kind == "cpu" && r["cpuid_syscall"] == "0") ? "the target does not offer SYSCALL/SYSRET (CPUID.80000001H:EDX[11] = 0)"
        : records.Any(r => r.Kind == "cpu" && r["xapic"] == "0") ? "the local APIC could not be enabled in xAPIC mode, through whose page the check sends its self-IPI"
        : null;

    /// <summary>The stub's handler ran at the interrupted privilege with <paramref name="cs"/>, on the interrupted stack (SDM Vol. 3A 6.14.2: aligned to 16, then 40 bytes).</summary>
    private static string? IntraPrivilege(CpuOutcome o, Record r, ulong cs)
    {
        if (o.Event)
        {
            return $"its delivery raised {o.Describe()}";
        }

        if (o.Value == 0)
        {
            return "the handler never ran (no interrupt within the wait)";
        }

        ulong handlerRsp = CpuOutcome.Hex(r["handler_rsp"]), interrupted = CpuOutcome.Hex(r["interrupted_rsp"]), rsp0 = CpuOutcome.Hex(r["rsp0"]);
        ulong expected = (interrupted & ~0xFUL) - InterruptFrame;
        string? privilege = o.Value == cs ? null : $"the handler ran with CS 0x{o.Value:x} (RPL {o.Value & 3}), not 0x{cs:x}";
        string? stack = handlerRsp == expected ? null
            : $"the handler ran on RSP 0x{handlerRsp:x}{(handlerRsp < rsp0 && rsp0 - handlerRsp <= 0x1000 ? $", the TSS.RSP0 stack (RSP0 0x{rsp0:x})" : "")}, not 0x{expected:x} on the interrupted stack (RSP 0x{interrupted:x})";
        return privilege is null ? stack : stack is null ? privilege : $"{privilege}; {stack}";
    }

    private static string? CallGate(CpuOutcome o, Record r)
    {
        if (Completed(o) is { } raised)
        {
            return raised;
        }

        ulong targetRsp = CpuOutcome.Hex(r["target_rsp"]), rsp0 = CpuOutcome.Hex(r["rsp0"]), pushed = CpuOutcome.Hex(r["pushed_cs"]);
        var wrong = new List<string>();
        if (o.Value != KernelCode64)
        {
            wrong.Add($"the target ran with CS 0x{o.Value:x}, not 0x{KernelCode64:x}");
        }

        if (pushed != (UserCode64 | 3))
        {
            wrong.Add($"the CS pushed for the return was 0x{pushed:x}, not the caller's 0x{(UserCode64 | 3):x}");
        }

        if (targetRsp != rsp0 - 32)
        {
            wrong.Add($"the target's RSP was 0x{targetRsp:x}, not TSS.RSP0 0x{rsp0:x} less the four quadwords pushed");
        }

        return wrong.Count == 0 ? null : string.Join("; ", wrong);
    }

    private static string? Sysenter(CpuOutcome o, Record r) =>
        r["sysenter_cs_written"] != "1" ? "the gate's WRMSR of IA32_SYSENTER_CS (0x174) = 0 raised #GP, so SYSENTER was tried with whatever it held"
        : r["cpuid_sep"] != "1" ? Hidden(o, "SYSENTER", "CPUID.01H:EDX[11]")
        : r["intel"] != "1" ? (o is { Event: true, RipAfter: false, Vector: Ud } ? null : $"on a CPUID vendor other than GenuineIntel SYSENTER in long mode is #UD (AMD APM), yet it gave {o.Describe()}")
        : Fault(o, Gp, 0);

    /// <summary>
    /// SYSENTER's working path: the entry ran (its CS is in the record) with the selectors, stack and flags the SDM gives. Both
    /// RFLAGS images are PUSHFQ's, which never show RF or VM (Vol. 2B PUSHF), so the entry's must be the caller's less IF.
    /// </summary>
    private static string? SysenterEntry(CpuOutcome o, Record r)
    {
        if (r["msrs_written"] != "1")
        {
            return "a WRMSR of IA32_SYSENTER_CS, _ESP or _EIP (0x174–0x176) raised #GP, so SYSENTER could not be tried";
        }

        if (r["cpuid_sep"] != "1")
        {
            return Hidden(o, "SYSENTER", "CPUID.01H:EDX[11]");
        }

        if (r["intel"] != "1")
        {
            return o is { Event: true, RipAfter: false, Vector: Ud } ? null : $"on a CPUID vendor other than GenuineIntel SYSENTER in long mode is #UD (AMD APM), yet it gave {o.Describe()}";
        }

        if (o.Event)
        {
            return $"it gave {o.Describe()} instead of entering IA32_SYSENTER_EIP at CPL0";
        }

        if (o.Value == SysenterFellThrough)
        {
            return "no event and no transfer: execution went on after the SYSENTER";
        }

        ulong cs = CpuOutcome.Hex(r["sysenter_cs"]), callerFlags = CpuOutcome.Hex(r["caller_rflags"]), entryFlags = CpuOutcome.Hex(r["entry_rflags"]);
        var wrong = new List<string>();
        Compare(wrong, "the entry's CS", CpuOutcome.Hex(r["entry_cs"]), cs & 0xFFFC);
        Compare(wrong, "the entry's SS", CpuOutcome.Hex(r["entry_ss"]), (cs & 0xFFFC) + 8);
        Compare(wrong, "the entry's RSP", CpuOutcome.Hex(r["entry_rsp"]), CpuOutcome.Hex(r["sysenter_esp"]));
        if ((entryFlags & RflagsIf) != 0)
        {
            wrong.Add($"RFLAGS.IF was still set at the entry (RFLAGS 0x{entryFlags:x})");
        }
        else if (entryFlags != (callerFlags & ~RflagsIf))
        {
            wrong.Add($"the entry's RFLAGS were 0x{entryFlags:x}, not the caller's 0x{callerFlags:x} with IF cleared");
        }

        return wrong.Count == 0 ? null : string.Join("; ", wrong);
    }

    /// <summary>SYSEXIT's return to the landing at CPL3 with the SYSENTER block's user selectors, RSP = RCX and the entry's RFLAGS.</summary>
    private static string? Sysexit(CpuOutcome o, Record r)
    {
        if (o.Value == SysexitFaulted)
        {
            return "SYSEXIT raised an exception at CPL0 instead of returning to CPL3 (the stub returned with IRETQ)";
        }

        if (o.Value == SysexitFaultedAtCpl3)
        {
            return $"SYSEXIT raised an exception (error code 0x{o.Error:x}) that came through the CPL3 event path (the stub returned with IRETQ)";
        }

        ulong cs = CpuOutcome.Hex(r["sysenter_cs"]);
        var wrong = new List<string>();
        Compare(wrong, "the landing's CS", CpuOutcome.Hex(r["landing_cs"]), (cs + 32) | 3);
        Compare(wrong, "the landing's SS", CpuOutcome.Hex(r["landing_ss"]), (cs + 40) | 3);
        Compare(wrong, "the landing's RSP", CpuOutcome.Hex(r["landing_rsp"]), CpuOutcome.Hex(r["rcx"]));
        Compare(wrong, "the landing's RFLAGS", CpuOutcome.Hex(r["landing_rflags"]), CpuOutcome.Hex(r["entry_rflags"]));
        return wrong.Count == 0 ? null : string.Join("; ", wrong);
    }

    private static void Compare(List<string> wrong, string what, ulong seen, ulong expected)
    {
        if (seen != expected)
        {
            wrong.Add($"{what} was 0x{seen:x}, not 0x{expected:x}");
        }
    }

    /// <summary>
    /// With CR4.PVI set (as CPL0 read it back) the instruction completes, VIF becomes <paramref name="vif"/> and IF stays 1;
    /// without it, #GP(0). A CR4.PVI that stuck although CPUID hides VME is the enable-pvi check's deviation; CLI and STI with a
    /// reserved CR4 bit set have no outcome the SDM defines, so they are not judged then.
    /// </summary>
    private static string? VirtualInterruptFlag(CpuOutcome o, Record r, string instruction, bool vif)
    {
        if (r["pvi"] != "1")
        {
            return Fault(o, Gp, 0);
        }

        if (r["cpuid_vme"] != "1")
        {
            return null;
        }

        if (o.Event)
        {
            return $"with CR4.PVI = 1, IOPL 0 and CPL 3 it gave {o.Describe()} instead of {(vif ? "setting" : "clearing")} VIF";
        }

        ulong flags = CpuOutcome.Hex(r["rflags"]);
        return ((flags & RflagsVif) != 0) != vif ? $"{instruction} completed but left VIF {(vif ? 0 : 1)} (RFLAGS after it 0x{flags:x})"
            : (flags & RflagsIf) == 0 ? $"{instruction} cleared IF, which PVI mode leaves alone (RFLAGS after it 0x{flags:x})"
            : null;
    }

    /// <summary>The write completed (the stub wrote the old value back: value 1, or 2 when that write faulted) or faulted as it must.</summary>
    private static string? ClearInLongMode(CpuOutcome o, string bit) =>
        o.Event ? Fault(o, Gp, 0)
        : o.Value == 2 ? $"{bit} was cleared in 64-bit mode without #GP, and writing the old value back then raised #GP: the CPU had left IA-32e mode"
        : $"{bit} was cleared in 64-bit mode without #GP (the old value was written back at once)";

    /// <summary>With CR4.OSXSAVE clear every one is #UD; with it set XGETBV and XSAVE complete and XSETBV at CPL3 is #GP(0).</summary>
    private static string? Xsave(CpuOutcome o, Record r, string instruction, bool privileged)
    {
        if ((CpuOutcome.Hex(r["cr4"]) & Cr4Osxsave) == 0)
        {
            return o is { Event: true, RipAfter: false, Vector: Ud } ? null
                : !o.Event ? $"CR4.OSXSAVE = 0 (CR4 {r["cr4"]}), yet {instruction} executed{(instruction == "XGETBV" ? $" and returned XCR0 = 0x{o.Value:x}, a value this guest never set (the host's)" : "")}"
                : $"with CR4.OSXSAVE = 0 it gave {o.Describe()} instead of #UD";
        }

        return privileged ? Fault(o, Gp, 0) : Completed(o);
    }

    private static string? Syscall(CpuOutcome o, Record r, string instruction) =>
        r["cpuid_syscall"] == "0" ? null
        : r["enabled"] == "0" ? "the target refused a write of IA32_EFER, STAR, LSTAR or SFMASK, so SYSCALL could not be tried"
        : o.Event ? $"the SYSCALL itself gave {o.Describe()}"
        : o.Value == 0 ? null
        : o.Value == 3 ? $"{instruction} at CPL0 raised an exception whose frame claimed CPL3 (it reached the guest's CPL3 event path; the stub returned with IRETQ)"
        : $"{instruction} at CPL0 raised an exception (the stub's fix-up returned with IRETQ)";

    private static string? TscAux(CpuOutcome o, Record r)
    {
        bool exists = r["cpuid_rdtscp"] == "1" || r["cpuid_rdpid"] == "1";
        bool gp = r["gp"] == "1";
        return exists == !gp ? null
            : exists ? "the MSR CPUID announces raised #GP"
            : $"CPUID announces neither RDTSCP nor RDPID, yet the read succeeded and returned 0x{o.Value:x} (a value the guest never wrote: the host's)";
    }
}
