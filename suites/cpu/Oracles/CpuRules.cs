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

    /// <summary>INT 0x21 at CPL3 through its DPL0 gate: #GP with the IDT bit (1) set and EXT clear (SDM Vol. 3A 6.13).</summary>
    public const ulong IntGateDplErrorCode = (0x21 << 3) | 2;

    private const ulong RflagsIf = 1 << 9, RflagsIopl = 3 << 12;
    private const ulong Cr4Umip = 1 << 11;

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
        ["soft-exception-restore/int3"] = new("INT3 at CPL3 in a loop while the host saved and reverted snapshots",
            "SDM Vol. 3A 6.5 and 6.12.1.1: every INT3 delivers #BP (a trap) before the next instruction; a VMM's save/restore must carry a pending soft exception",
            (_, r) => $"INT3 at iteration {r["iteration"]} went on to the next instruction without its #BP handler having run (the soft exception was lost across save/revert)"),
    };

    /// <summary>The checks the guest side implements (probes/CpuChecks.cs), for the cases and the oracle tests.</summary>
    public static IEnumerable<string> Checks => Rules.Keys.Select(k => k[..k.IndexOf('/')]).Distinct();

    /// <summary>The SDM rules behind <paramref name="check"/>, for the evidence's oracle line.</summary>
    public static string Citation(string check) =>
        string.Join("; ", Rules.Where(r => r.Key.StartsWith(check + "/", StringComparison.Ordinal)).Select(r => r.Value.Sdm).Distinct());

    /// <summary>
    /// Judges <paramref name="check"/> from the probe's records. <paramref name="vmStop"/> is the VMM's own report when the VM
    /// stopped after the guest announced the instruction (a KVM internal error, say); null when it ran on.
    /// </summary>
    public static IReadOnlyList<string> Check(string check, IReadOnlyList<Record> records, string? vmStop)
    {
        var problems = new List<string>();
        var mine = records.Where(r => r.Kind == "cpu" && r["check"] == check).ToList();
        bool entered = records.Any(r => r.Kind == "cpu-enter" && r["check"] == check);
        foreach (var r in mine)
        {
            if (Rules.TryGetValue($"{check}/{r["op"]}", out var rule) && rule.Judge(CpuOutcome.From(r), r) is { } wrong)
            {
                problems.Add($"{rule.Did}: {wrong} [{rule.Sdm}] (record: {r.Line})");
            }
        }

        var expected = Rules.Where(r => r.Key.StartsWith(check + "/", StringComparison.Ordinal)).ToList();
        if (vmStop is not null && (entered || mine.Count > 0))
        {
            string did = string.Join(", then ", expected.Select(e => e.Value.Did).Distinct());
            problems.Add($"{did}: the VM stopped instead ({vmStop}) [{string.Join("; ", expected.Select(e => e.Value.Sdm).Distinct())}; no instruction's outcome is a VM stop]");
        }
        else if (mine.Count == 0 && vmStop is null)
        {
            problems.Add($"the probe reported no outcome for {check} ({(entered ? "it announced the instruction and then said nothing" : "it never reached the instruction")})");
        }

        return problems;
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
        records.Any(r => r.Kind == "cpu" && r["cpuid_syscall"] == "0") ? "the target does not offer SYSCALL/SYSRET (CPUID.80000001H:EDX[11] = 0)" : null;

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
