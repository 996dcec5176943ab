using Iced.Intel;
using Rig.Guest;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Probes.StubGen;

/// <summary>
/// The instructions suites/cpu checks, each placed so that what the CPU did with it is an answer rather than a crash:
/// an event whose saved RIP is the instruction itself (a fault) and one whose saved RIP is the next instruction (a trap,
/// SDM Vol. 3A 6.5) resume at different places, and an instruction that raised nothing runs on. At CPL0 these are gate
/// operations (<see cref="GateOp.Cpl0Int3"/> ...) with fix-ups in the kernel event path, plus a SYSCALL entry (IA32_LSTAR)
/// that tries SYSRETQ and OUT; at CPL3 they are `rig_cpu_*` helpers with fix-ups in the user table.
/// </summary>
internal sealed class CpuCheckCode
{
    /// <summary>What a CPL0 operation returns in its low byte.</summary>
    public const int Completed = 0, Trapped = 1, Faulted = 2;

    /// <summary>SYSCALL entry only: the instruction faulted and the exception was delivered as if from CPL3 (kvm_pvm).</summary>
    public const int FaultedAsCpl3 = 3;

    /// <summary>A control-register write that should have faulted completed (value above the low byte); see <see cref="Restore"/>.</summary>
    public const int Restored = 1, RestoreFaulted = 2;

    /// <summary>RFLAGS bit a CPL3 helper sets in its result when the event's saved RIP was the next instruction.</summary>
    public const int TrapBit = 62;

    /// <summary>rig_cpu_sysenter_sysexit's value: SYSENTER raised nothing and did not transfer; SYSEXIT faulted at CPL0; SYSEXIT faulted and the event came through the CPL3 path.</summary>
    public const int SysenterFellThrough = 1, SysexitFaulted = 2, SysexitFaultedAtCpl3 = 3;

    /// <summary>How far below the caller's RSP rig_cpu_sysenter_sysexit asks SYSEXIT to put RSP (in RCX): another value than the one SYSENTER left, room for its return frame.</summary>
    private const int SysexitStackOffset = 256;

    /// <summary>RFLAGS.IOPL, VIF and VIP (SDM Vol. 1 3.4.3): the bits <see cref="GateOp.Cpl0SetUserVirtualInterruptFlags"/> sets in the gate's return frame.</summary>
    private const int IoplVifVip = 0x3000 | 0x80000 | 0x100000;

    private readonly Code64 _code;
    private readonly Assembler _a;
    private readonly List<(Label Fault, Label Resume)> _kernelFixups = [];
    private Label _trapped, _faulted, _syscallEntry, _minimalBreakpoint, _interruptHandler, _iretLanding;
    private Label _sysenterEntry, _sysexit, _sysenterBack, _sysexitFaultedAtCpl3;

    public CpuCheckCode(Code64 code)
    {
        _code = code;
        _a = code.Asm;
        _trapped = _a.CreateLabel();
        _faulted = _a.CreateLabel();
        _syscallEntry = _a.CreateLabel();
        _minimalBreakpoint = _a.CreateLabel();
        _interruptHandler = _a.CreateLabel();
        _iretLanding = _a.CreateLabel();
        _sysenterEntry = _a.CreateLabel();
        _sysexit = _a.CreateLabel();
        _sysenterBack = _a.CreateLabel();
        _sysexitFaultedAtCpl3 = _a.CreateLabel();
    }

    /// <summary>The SYSCALL entry's (instruction, resume) pairs for <c>KernelCode.EmitKernelEvent</c>.</summary>
    public List<(Label Fault, Label Resume)> KernelFixups => _kernelFixups;

    /// <summary>Where an event at (Fault) or after (Trap) the instruction an operation named in R10/R11 resumes, vector in RAX, error code in RDX.</summary>
    public (Label Fault, Label Trap) Reported => (_faulted, _trapped);

    /// <summary>The gate operations; their bodies are emitted by the gate's dispatcher.</summary>
    public IEnumerable<(GateOp Op, Action Body)> GateOps =>
    [
        (GateOp.Cpl0Int3, () => Attempt(() => _a.int3(), () => _a.xor(eax, eax))),
        (GateOp.Cpl0IntN, () => Attempt(() => _a.@int(0x21), () => _a.xor(eax, eax))),
        (GateOp.Cpl0Icebp, () => Attempt(() => _a.int1(), () => _a.xor(eax, eax))),
        (GateOp.Cpl0Rdtscp, () => Attempt(() => _a.rdtscp(), () => { _a.mov(eax, ecx); _a.shl(rax, 8); })),
        (GateOp.Cpl0Movbe, () => Attempt(() => _a.movbe(rax, __qword_ptr[rsp]), Nothing)),
        (GateOp.Cpl0Xgetbv, () => Attempt(OsxsaveIfAsked, () => _a.xgetbv(), () => { _a.shl(rdx, 32); _a.or(rax, rdx); _a.shl(rax, 8); })),
        (GateOp.Cpl0XsetbvClearX87, () => Attempt(() => { OsxsaveIfAsked(); _a.xor(eax, eax); _a.xor(edx, edx); }, () => _a.xsetbv(), Nothing)),
        // Type 2: every context, globals included (SDM Vol. 2B INVPCID); the descriptor at a is zero.
        (GateOp.Cpl0Invpcid, () => Attempt(() => _a.mov(eax, 2), () => _a.invpcid(rax, __[rdi]), Nothing)),
        (GateOp.Cpl0Clac, () => Attempt(() => _a.clac(), Nothing)),
        (GateOp.Cpl0Stac, () => Attempt(() => _a.stac(), Nothing)),
        (GateOp.Cpl0Clflushopt, () => Attempt(() => _a.clflushopt(__[rsp]), Nothing)),
        (GateOp.Cpl0Clwb, () => Attempt(() => _a.clwb(__[rsp]), Nothing)),
        (GateOp.Cpl0Rdpid, () => Attempt(() => _a.rdpid(rax), () => _a.shl(rax, 8))),
        (GateOp.Cpl0Rdpru, () => Attempt(() => _a.xor(ecx, ecx), () => _a.rdpru(), Nothing)), // ECX 0: MPERF (AMD APM Vol. 3 RDPRU)
        // RAX = a, the hypercall number; the low 32 bits of what comes back in RAX are the value.
        (GateOp.Cpl0Vmcall, () => Attempt(() => _a.mov(rax, rdi), () => _a.vmcall(), LowHalfOfRax)),
        (GateOp.Cpl0Vmmcall, () => Attempt(() => _a.mov(rax, rdi), () => _a.vmmcall(), LowHalfOfRax)),
        (GateOp.Cpl0MovCr4Reserved, () => Attempt(() => { _a.mov(rax, cr4); _a.bts(rax, 63); }, () => _a.mov(cr4, rax), Nothing)),
        (GateOp.Cpl0MovDr0, () => Attempt(() => _a.mov(dr0, rdi), () => { _a.mov(rax, dr0); _a.shl(rax, 8); })),
        (GateOp.Cpl0MovDr7Reserved, () => Attempt(() => { _a.mov(rax, dr7); _a.bts(rax, 32); }, () => _a.mov(dr7, rax), Nothing)),
        (GateOp.Cpl0SetCr4Bit, () => Attempt(() => { _a.mov(rax, cr4); _a.bts(rax, rdi); }, () => _a.mov(cr4, rax), Nothing)),
        // a = the new IOPL, VIF and VIP of the gate's return frame: IRETQ at CPL0 loads them all (SDM Vol. 2A IRET), which no
        // CPL3 instruction can (POPF leaves IOPL, VIF and VIP alone there, Vol. 2B POPF).
        (GateOp.Cpl0SetUserVirtualInterruptFlags, () =>
        {
            _a.mov(rax, __qword_ptr[rsp + 16]);
            _a.and(rax, ~IoplVifVip);
            _a.or(rax, rdi);
            _a.mov(__qword_ptr[rsp + 16], rax);
            _a.xor(eax, eax);
        }),
        (GateOp.ReadCr2, () => _a.mov(rax, cr2)),
        // In 64-bit mode (IA32_EFER.LMA = 1) clearing CR0.PG or CR4.PAE is #GP(0) (SDM Vol. 2B MOV control registers; leaving
        // long mode goes through compatibility mode first, Vol. 3A 10.8.5.4). Should it complete, the old value goes back at once.
        (GateOp.Cpl0ClearCr0Pg, () => Attempt(() => { _a.mov(rax, cr0); _a.mov(rcx, rax); _a.btr(rax, 31); }, () => _a.mov(cr0, rax), () => Restore(() => _a.mov(cr0, rcx)))),
        (GateOp.Cpl0ClearCr4Pae, () => Attempt(() => { _a.mov(rax, cr4); _a.mov(rcx, rax); _a.btr(rax, 5); }, () => _a.mov(cr4, rax), () => Restore(() => _a.mov(cr4, rcx)))),
        (GateOp.Cpl0IretqSsRpl0, () => Attempt(() => IretFrameWithStackSelector(Selectors.UserData), () => _a.iretq(), Nothing)),
        (GateOp.Cpl0IretqNullSs, () => Attempt(() => IretFrameWithStackSelector(0), () => _a.iretq(), Nothing)),
        // a = the xAPIC ICR's address, b = a self-IPI's ICR value: sent with IF = 0, then STI; HLT takes it at CPL0 (STI's
        // shadow covers the HLT, SDM Vol. 2B STI), so the saved RIP of anything its delivery raises is the instruction after
        // the HLT, the one R11 names (reported as a trap). A handler that runs returns there with its CS in RAX.
        (GateOp.Cpl0InterruptAtCpl0, () => Attempt(() => _a.mov(__dword_ptr[rdi], esi), () => { _a.sti(); _a.hlt(); }, () => { _a.cli(); _a.shl(rax, 8); })),
        (GateOp.SystemRegisters, () =>
        {
            _a.sgdt(__[rdi]);
            _a.sidt(__[rdi + 16]);
            _a.xor(eax, eax);
            _a.str(ax);
            _a.mov(__qword_ptr[rdi + 32], rax);
            _a.sldt(ax);
            _a.mov(__qword_ptr[rdi + 40], rax);
            _a.mov(rax, cr0);
            _a.mov(__qword_ptr[rdi + 48], rax);
            _a.mov(rax, cr4);
            _a.mov(__qword_ptr[rdi + 56], rax);
            _a.xor(eax, eax);
        }),
    ];

    /// <summary>
    /// After the gate: the shared resume points of the CPL0 operations (both end the gate with its IRETQ, which the event's
    /// own IRETQ left on the stack), and the SYSCALL entry.
    /// </summary>
    public void EmitKernel()
    {
        // The event path left the vector in RAX and the error code in RDX (Reported).
        _a.Label(ref _trapped);
        PackEvent(Trapped);
        _a.Label(ref _faulted);
        PackEvent(Faulted);
        // A #BP handler of two instructions, for rig_cpu_int3_loop: under kvm_pvm every CPL0 instruction is emulated, and
        // the shorter the handler, the larger the share of the loop between the #BP exit and its delivery, where a VMM
        // that parks the vCPU may lose the queued exception (docs/notes/kvm-pvm-hypervisor.md section 6).
        _a.Label(ref _minimalBreakpoint);
        _a.xor(eax, eax);
        _a.iretq();
        EmitSyscallEntry();
        EmitCallGateTarget();
        EmitSysenterEntry();
    }

    /// <summary>
    /// Stores RSP, CS, SS and RFLAGS at the given offsets of the out block RDI points to, as an entry point found them;
    /// clobbers RAX only (REX.W MOV r64, Sreg zero-extends; no instruction here changes a flag).
    /// </summary>
    private void StoreStackAndSegments(int rspAt, int csAt, int ssAt, int rflagsAt)
    {
        _a.mov(__qword_ptr[rdi + rspAt], rsp);
        _a.pushfq();
        _a.pop(rax);
        _a.mov(__qword_ptr[rdi + rflagsAt], rax);
        _a.mov(rax, cs);
        _a.mov(__qword_ptr[rdi + csAt], rax);
        _a.mov(rax, ss);
        _a.mov(__qword_ptr[rdi + ssAt], rax);
    }

    /// <summary>
    /// IA32_SYSENTER_EIP's code, entered (SDM Vol. 2B SYSENTER) at CPL0 with RSP = IA32_SYSENTER_ESP and IF, VM and RF cleared,
    /// nothing of the caller saved and every register but RSP and RIP as rig_cpu_sysenter_sysexit left it: its RSP, CS, SS and
    /// RFLAGS go to out[1..4] (RDI), then a 64-bit SYSEXIT (REX.W) to RDX with RSP = RCX. A fault of the SYSEXIT taken at CPL0
    /// returns to the helper's caller (<see cref="SysexitFaulted"/>); one delivered through the CPL3 path (the entry ran at CPL3,
    /// or kvm_pvm's CPL3 frame for a CPL0 fault, docs/notes/cpu.md) likewise (<see cref="SysexitFaultedAtCpl3"/>).
    /// </summary>
    private void EmitSysenterEntry()
    {
        Label faulted = _a.CreateLabel();
        // No instruction here changes a flag (REX.W MOV r64, Sreg zero-extends), so the landing must see these RFLAGS unchanged.
        _a.Label(ref _sysenterEntry);
        StoreStackAndSegments(rspAt: 8, csAt: 16, ssAt: 24, rflagsAt: 32);
        _a.Label(ref _sysexit);
        _a.sysexitq();
        _a.Label(ref faulted);
        _a.mov(eax, SysexitFaulted);
        _a.jmp(_sysenterBack);
        _kernelFixups.Add((_sysexit, faulted));
    }

    /// <summary>
    /// The gate's own IRETQ frame (RIP, CS, RFLAGS, RSP, SS at RSP) with SS replaced by <paramref name="stackSelector"/> and the
    /// return address by a CPL3 landing that reloads the user SS before the gate's return: the SDM's IRET raises #GP for an
    /// SS whose RPL differs from the return CS's, or a null SS when returning to CPL3 (Vol. 2A IRET, IA-32e mode). RAX = 0.
    /// </summary>
    private void IretFrameWithStackSelector(ushort stackSelector)
    {
        _a.mov(__qword_ptr[rsp + 32], stackSelector);
        _a.lea(rax, __[_iretLanding]);
        _a.mov(__qword_ptr[rsp], rax);
        _a.xor(eax, eax);
    }

    /// <summary>
    /// Where both call gates lead (<see cref="Selectors.CallGateDpl3"/>), in <see cref="Selectors.KernelCode64"/>: the CS it runs
    /// with in RAX, its RSP in R8, the caller's CS the call pushed in R9 (SDM Vol. 3A 5.8.5, figure 5-13: SS, RSP, CS, RIP,
    /// 8 bytes each in IA-32e mode), then a 64-bit far return (REX.W RETF, which Iced has no mnemonic for) to CPL3.
    /// </summary>
    private void EmitCallGateTarget()
    {
        _a.Label(ref _code.CallGateTarget);
        _a.mov(r8, rsp);
        _a.mov(r9, __qword_ptr[rsp + 8]);
        _a.xor(eax, eax);
        _a.mov(ax, cs);
        _a.db(0x48, 0xCB);
    }

    /// <summary>
    /// IA32_LSTAR's code, entered at CPL0 on the caller's stack with RCX = return RIP and R11 = RFLAGS (SDM Vol. 2B SYSCALL).
    /// RAX = 0: return with SYSRETQ. RAX = 1: OUT to port 0x80 (CPL0 may do I/O whatever IOPL, SDM Vol. 1 19.5.1), then
    /// return with IRETQ. RAX comes back 0 if the instruction completed, <see cref="Faulted"/> if it raised an exception
    /// taken at CPL0, <see cref="FaultedAsCpl3"/> if the exception's frame claimed CPL3; either way the return is IRETQ
    /// (kvm_pvm: SYSRETQ #GP, docs/notes/cpu.md).
    /// </summary>
    private void EmitSyscallEntry()
    {
        Label outTest = _a.CreateLabel(), sysret = _a.CreateLabel(), outInstruction = _a.CreateLabel();
        Label faulted = _a.CreateLabel(), faultedAsCpl3 = _a.CreateLabel(), iretBack = _a.CreateLabel();
        _a.Label(ref _syscallEntry);
        _a.cmp(eax, 1);
        _a.je(outTest);
        _a.xor(eax, eax);
        _a.Label(ref sysret);
        _a.sysretq();
        _a.Label(ref outTest);
        _a.xor(eax, eax);
        _a.Label(ref outInstruction);
        _a.@out(0x80, al);
        _a.jmp(iretBack);
        _a.Label(ref faultedAsCpl3);
        _a.mov(eax, FaultedAsCpl3);
        _a.jmp(iretBack);
        _a.Label(ref faulted);
        _a.mov(eax, Faulted);
        _a.Label(ref iretBack);
        _a.mov(rdx, rsp);
        _a.push(Selectors.UserData | 3);
        _a.push(rdx);
        _a.push(r11);
        _a.push(Selectors.UserCode64 | 3);
        _a.push(rcx);
        _a.iretq();
        _kernelFixups.Add((sysret, faulted));
        _kernelFixups.Add((outInstruction, faulted));
        // kvm_pvm delivers these faults with a CPL3 CS in the frame, so they reach the C# dispatcher at CPL3, whose fix-up
        // resumes here at CPL3: the IRETQ below then returns within CPL3, to the same place.
        _code.UserFixups.Add((sysret, faultedAsCpl3));
        _code.UserFixups.Add((outInstruction, faultedAsCpl3));
    }

    /// <summary>
    /// RAX = kind | vector &lt;&lt; 8 | error code &lt;&lt; 16, then the gate's return. The IRETQ checks rewrite the gate's own frame
    /// (<see cref="IretFrameWithStackSelector"/>); every operation is entered by rig_gate's INT3, whose frame holds the gate's
    /// return address and the user SS, so both are put back first.
    /// </summary>
    private void PackEvent(int kind)
    {
        _a.mov(__qword_ptr[rsp], (int)_code.GateReturnAddress);
        _a.mov(__qword_ptr[rsp + 32], Selectors.UserData | 3);
        _a.shl(rdx, 16);
        _a.shl(eax, 8);
        _a.or(rax, rdx);
        _a.or(rax, kind);
        _a.iretq();
    }

    private void Nothing() => _a.xor(eax, eax);

    /// <summary>
    /// After a control-register write that should have faulted and completed: the old value back, and the value
    /// <see cref="Restored"/>, or <see cref="RestoreFaulted"/> when that write faults in turn (a CPU that let 64-bit mode's
    /// paging go off has left IA-32e mode, and setting CR0.PG again with a 64-bit CS is #GP, SDM Vol. 2B MOV).
    /// </summary>
    private void Restore(Action write)
    {
        Label restore = _a.CreateLabel(), faulted = _a.CreateLabel(), end = _a.CreateLabel();
        _a.mov(eax, Restored << 8); // first: the instruction after the attempted one carries Attempt's label
        _a.Label(ref restore);
        write();
        _a.jmp(end);
        _a.Label(ref faulted);
        _a.mov(eax, RestoreFaulted << 8);
        _a.Label(ref end);
        _kernelFixups.Add((restore, faulted));
    }

    private void LowHalfOfRax()
    {
        _a.mov(eax, eax);
        _a.shl(rax, 8);
    }

    /// <summary>With a = 1, CR4.OSXSAVE first (SDM Vol. 3A 2.5), without which XGETBV/XSETBV #UD; the caller asks only when CPUID offers XSAVE.</summary>
    private void OsxsaveIfAsked()
    {
        Label skip = _a.CreateLabel();
        _a.test(edi, edi);
        _a.jz(skip);
        _a.mov(rax, cr4);
        _a.bts(rax, 18);
        _a.mov(cr4, rax);
        _a.Label(ref skip);
        _a.xor(ecx, ecx); // XCR0
    }

    /// <summary>instruction; completed-path; an event at the instruction → <see cref="Faulted"/>, a trap after it → <see cref="Trapped"/>.</summary>
    private void Attempt(Action instruction, Action completed) => Attempt(() => { }, instruction, completed);

    /// <summary>
    /// As <see cref="Attempt(Action, Action)"/>, with setup before the instruction. R10 and R11 name the instruction and the one
    /// after it for the event path (<see cref="Reported"/>); the gate's caller treats both as clobbered (SysV), and only a
    /// fault whose RIP is exactly one of them is taken for this operation's.
    /// </summary>
    private void Attempt(Action setup, Action instruction, Action completed)
    {
        Label at = _a.CreateLabel(), after = _a.CreateLabel();
        _a.xor(eax, eax); // the gate's dispatch label is on the first instruction, and Iced allows one label per instruction
        setup();
        _a.lea(r10, __[at]);
        _a.lea(r11, __[after]);
        _a.Label(ref at);
        instruction();
        _a.Label(ref after);
        completed();
    }

    /// <summary>
    /// The CPL3 helpers, SysV functions `ulong f(ulong* errorCode, ulong argument)`: the result is the instruction's value
    /// when it raised nothing, else FaultBit | vector (| 1 &lt;&lt; <see cref="TrapBit"/> when the saved RIP was the next
    /// instruction), with the event's error code stored through RDI (the runtime's fix-up passes it in RDX).
    /// </summary>
    public void EmitUser(Code64 code)
    {
        var a = _a;
        Helper(code, "rig_cpu_int4", () => { }, () => a.@int(4), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_int80", () => { }, () => a.@int(0x80), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_int21", () => { }, () => a.@int(0x21), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_int3", () => { }, () => a.int3(), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_icebp", () => { }, () => a.int1(), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_into", () => { }, () => a.db(0xCE), () => a.xor(eax, eax)); // INTO: invalid in 64-bit mode (SDM Vol. 2A INT n/INTO)
        Helper(code, "rig_cpu_rdtscp", () => { }, () => a.rdtscp(), () => a.mov(eax, ecx));
        Helper(code, "rig_cpu_rdpid", () => { }, () => a.rdpid(rax), () => { });
        Helper(code, "rig_cpu_cli", () => { }, () => a.cli(), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_sti", () => { }, () => a.sti(), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_in", () => { a.mov(edx, esi); a.xor(eax, eax); }, () => a.@in(al, dx), () => { });
        Helper(code, "rig_cpu_pushf", () => { }, () => a.pushfq(), () => a.pop(rax));
        Helper(code, "rig_cpu_read_cs", () => a.xor(eax, eax), () => a.mov(ax, cs), () => { });
        Helper(code, "rig_cpu_sgdt", () => { }, () => a.sgdt(__[rsi]), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_sidt", () => { }, () => a.sidt(__[rsi]), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_sldt", () => a.xor(eax, eax), () => a.sldt(ax), () => { });
        Helper(code, "rig_cpu_str", () => a.xor(eax, eax), () => a.str(ax), () => { });
        Helper(code, "rig_cpu_smsw", () => a.xor(eax, eax), () => a.smsw(eax), () => { });
        Helper(code, "rig_cpu_syscall", () => a.mov(eax, esi), () => a.syscall(), () => { });
        Helper(code, "rig_cpu_load", () => { }, () => a.mov(rax, __qword_ptr[rsi]), () => { });
        Helper(code, "rig_cpu_store", () => { }, () => a.mov(__qword_ptr[rsi], rsi), () => a.xor(eax, eax));
        // IA32_SYSENTER_CS is 0 (the probe writes it): #GP(0) where SYSENTER exists (SDM Vol. 2B SYSENTER), #UD where not.
        Helper(code, "rig_cpu_sysenter", () => { }, () => a.sysenter(), () => a.xor(eax, eax));
        // The XSAVE family with whatever CR4.OSXSAVE is (SDM Vol. 1 13.3: #UD while it is 0). XSAVE takes x87 | SSE into the
        // 64-byte aligned buffer at RSI; XSETBV would write the same to XCR0, which CPL3 may never do (#GP(0)).
        Helper(code, "rig_cpu_xgetbv", () => a.xor(ecx, ecx), () => a.xgetbv(), () => { a.shl(rdx, 32); a.or(rax, rdx); });
        Helper(code, "rig_cpu_xsave", () => { a.mov(eax, 3); a.xor(edx, edx); }, () => a.xsave(__[rsi]), () => a.xor(eax, eax));
        Helper(code, "rig_cpu_xsetbv", () => { a.xor(ecx, ecx); a.mov(eax, 3); a.xor(edx, edx); }, () => a.xsetbv(), () => a.xor(eax, eax));
        EmitIretqSelector(code);
        EmitFarCall(code);
        EmitAwaitInterrupt(code);
        EmitSysenterSysexit(code);
        a.Label(ref _iretLanding);
        a.mov(ecx, Selectors.UserData | 3);
        a.mov(ss, cx);
        a.jmp(code.GateReturn);
        Label handler = a.CreateLabel();
        a.Label(ref handler);
        code.Exports["rig_cpu_interrupt_handler"] = handler;
        a.lea(rax, __[_interruptHandler]);
        a.ret();
        Label entry = a.CreateLabel();
        a.Label(ref entry);
        code.Exports["rig_cpu_lstar"] = entry;
        a.lea(rax, __[_syscallEntry]);
        a.ret();
        Label sysenterEntry = a.CreateLabel();
        a.Label(ref sysenterEntry);
        code.Exports["rig_cpu_sysenter_entry"] = sysenterEntry;
        a.lea(rax, __[_sysenterEntry]);
        a.ret();
        Label minimal = a.CreateLabel();
        a.Label(ref minimal);
        code.Exports["rig_cpu_minimal_breakpoint"] = minimal;
        a.lea(rax, __[_minimalBreakpoint]);
        a.ret();
        EmitInt3Loop(code);
    }

    /// <summary>
    /// `ulong rig_cpu_int3_loop(ulong count)`: count times EAX = 1; INT3; with the #BP gate pointed at the minimal handler
    /// (which clears EAX). Returns 0, or the count left when an INT3 came back with EAX still 1: its #BP never delivered.
    /// </summary>
    private void EmitInt3Loop(Code64 code)
    {
        var a = _a;
        Label loop = a.CreateLabel(), lost = a.CreateLabel();
        a.Label(ref loop);
        code.Exports["rig_cpu_int3_loop"] = loop;
        a.mov(eax, 1);
        a.int3();
        a.test(eax, eax);
        a.jnz(lost);
        a.dec(rdi);
        a.jnz(loop);
        a.xor(eax, eax);
        a.ret();
        a.Label(ref lost);
        a.mov(rax, rdi);
        a.ret();
    }

    /// <summary>
    /// `ulong rig_cpu_iretq_cs(ulong* errorCode, ulong cs)`: IRETQ at CPL3 to the next instruction with the caller's stack and
    /// RFLAGS and CS = <c>cs</c>. With an RPL below the CPL the SDM's IRET raises #GP(selector) (Vol. 2A IRET, protected-mode
    /// return: "IF return code segment selector RPL &lt; CPL"); the fault path drops the frame the IRETQ left.
    /// </summary>
    private void EmitIretqSelector(Code64 code)
    {
        var a = _a;
        Label entry = a.CreateLabel(), at = a.CreateLabel(), landing = a.CreateLabel(), fault = a.CreateLabel();
        a.Label(ref entry);
        code.Exports["rig_cpu_iretq_cs"] = entry;
        a.mov(__qword_ptr[rdi], 0);
        a.mov(r8, rsp);
        a.push(Selectors.UserData | 3);
        a.push(r8);
        a.pushfq();
        a.push(rsi);
        a.lea(rax, __[landing]);
        a.push(rax);
        a.Label(ref at);
        a.iretq();
        a.Label(ref landing);
        a.xor(eax, eax);
        a.ret();
        a.Label(ref fault);
        a.mov(rsp, r8);
        a.mov(__qword_ptr[rdi], rdx);
        a.ret();
        code.UserFixups.Add((at, fault));
    }

    /// <summary>
    /// `ulong rig_cpu_far_call(ulong* out, ulong selector)`: CALL FAR through <c>selector</c> (a call gate, whose offset the CPU
    /// ignores, SDM Vol. 3A 5.8.4) with an m16:32 pointer, which Intel and AMD read alike; returns the CS the target ran with
    /// and stores its RSP at out[1] and the CS it found pushed at out[2]; a fault returns as the other helpers, error code at out[0].
    /// </summary>
    private void EmitFarCall(Code64 code)
    {
        var a = _a;
        Label entry = a.CreateLabel(), at = a.CreateLabel(), fault = a.CreateLabel();
        a.Label(ref entry);
        code.Exports["rig_cpu_far_call"] = entry;
        a.mov(__qword_ptr[rdi], 0);
        a.xor(r8d, r8d);
        a.xor(r9d, r9d);
        a.sub(rsp, 8);
        a.mov(__dword_ptr[rsp], 0);
        a.mov(__word_ptr[rsp + 4], si);
        a.Label(ref at);
        a.call(__fword_ptr[rsp]);
        a.add(rsp, 8);
        a.mov(__qword_ptr[rdi + 8], r8);
        a.mov(__qword_ptr[rdi + 16], r9);
        a.ret();
        a.Label(ref fault);
        a.add(rsp, 8);
        a.mov(__qword_ptr[rdi], rdx);
        a.ret();
        code.UserFixups.Add((at, fault));
    }

    /// <summary>
    /// `ulong rig_cpu_await_interrupt(ulong* out, ulong icr, ulong icrValue, ulong spins)`: a self-IPI through the xAPIC ICR at
    /// <c>icr</c>, then at most <c>spins</c> rounds of waiting at CPL3 for the handler of <see cref="_interruptHandler"/>
    /// (which the probe's IDT gate names). Returns the CS the handler ran with (0: it never ran) and stores its RSP at out[1] and
    /// the RSP it interrupted at out[2]. A fault in the delivery (at any instruction of the wait) returns as the other helpers.
    /// The handler: CS to RAX, RSP to R8, R9 = 1, IRETQ; whatever privilege it ran at, it touches only those registers.
    /// </summary>
    private void EmitAwaitInterrupt(Code64 code)
    {
        var a = _a;
        Label entry = a.CreateLabel(), wait = a.CreateLabel(), ran = a.CreateLabel(), fault = a.CreateLabel();
        Label exit = a.CreateLabel(), count = a.CreateLabel(), loop = a.CreateLabel(), none = a.CreateLabel();
        a.Label(ref entry);
        code.Exports["rig_cpu_await_interrupt"] = entry;
        a.mov(__qword_ptr[rdi], 0);
        a.xor(eax, eax);
        a.xor(r8d, r8d);
        a.xor(r9d, r9d);
        a.mov(__qword_ptr[rdi + 16], rsp);
        a.mov(__dword_ptr[rsi], edx);
        a.Label(ref wait);
        a.test(r9d, r9d);
        a.Label(ref exit);
        a.jnz(ran);
        a.Label(ref count);
        a.dec(rcx);
        a.Label(ref loop);
        a.jnz(wait);
        a.Label(ref none);
        a.xor(eax, eax);
        a.ret();
        a.Label(ref ran);
        a.mov(__qword_ptr[rdi + 8], r8);
        a.ret();
        a.Label(ref fault);
        a.mov(__qword_ptr[rdi], rdx);
        a.ret();
        foreach (Label boundary in new[] { wait, exit, count, loop, none })
        {
            code.UserFixups.Add((boundary, fault));
        }

        a.Label(ref _interruptHandler);
        a.mov(r8, rsp);
        a.xor(eax, eax);
        a.mov(ax, cs);
        a.mov(r9d, 1);
        a.iretq();
    }

    /// <summary>
    /// `ulong rig_cpu_sysenter_sysexit(ulong* out, ulong unused)`: SYSENTER from CPL3 to <see cref="EmitSysenterEntry"/> (the
    /// probe has written IA32_SYSENTER_CS, _ESP and _EIP) and its SYSEXIT back here, to RDX = the landing with RSP = RCX = the
    /// caller's RSP less <see cref="SysexitStackOffset"/>. out[0] error code, out[1..4] the entry's RSP, CS, SS, RFLAGS, out[5..8]
    /// the landing's, out[9] the RCX given, out[10] the caller's RFLAGS. Returns 0 after the round trip, FaultBit | vector when the
    /// SYSENTER raised an exception, else <see cref="SysenterFellThrough"/>, <see cref="SysexitFaulted"/> or
    /// <see cref="SysexitFaultedAtCpl3"/>. Every way back reloads the caller's CS 0x23, SS 0x1B, RSP and RFLAGS with an IRETQ:
    /// SYSEXIT leaves RFLAGS as SYSENTER made it (IF clear) and its CS and SS are the SYSENTER block's, not the runtime's.
    /// </summary>
    private void EmitSysenterSysexit(Code64 code)
    {
        var a = _a;
        Label entry = a.CreateLabel(), at = a.CreateLabel(), after = a.CreateLabel(), trap = a.CreateLabel(), fault = a.CreateLabel();
        Label landing = a.CreateLabel(), done = a.CreateLabel();
        a.Label(ref entry);
        code.Exports["rig_cpu_sysenter_sysexit"] = entry;
        a.mov(__qword_ptr[rdi], 0);
        a.mov(r8, rsp);
        a.pushfq();
        a.pop(r9);
        a.mov(__qword_ptr[rdi + 80], r9);
        a.lea(rcx, __[rsp - SysexitStackOffset]);
        a.mov(__qword_ptr[rdi + 72], rcx);
        a.lea(rdx, __[landing]);
        a.mov(eax, SysenterFellThrough);
        a.Label(ref at);
        a.sysenter();
        a.Label(ref after);
        a.ret();
        ReturnFromFixups(code, at, after, trap, fault);

        a.Label(ref landing);
        StoreStackAndSegments(rspAt: 40, csAt: 48, ssAt: 56, rflagsAt: 64);
        a.xor(eax, eax);
        a.Label(ref _sysenterBack);
        a.push(Selectors.UserData | 3);
        a.push(r8);
        a.push(r9);
        a.push(Selectors.UserCode64 | 3);
        a.lea(rcx, __[done]);
        a.push(rcx);
        a.iretq();
        a.Label(ref done);
        a.ret();
        a.Label(ref _sysexitFaultedAtCpl3);
        a.mov(__qword_ptr[rdi], rdx);
        a.mov(eax, SysexitFaultedAtCpl3);
        a.jmp(_sysenterBack);
        code.UserFixups.Add((_sysexit, _sysexitFaultedAtCpl3));
    }

    private void Helper(Code64 code, string name, Action setup, Action instruction, Action completed)
    {
        var a = _a;
        Label entry = a.CreateLabel(), at = a.CreateLabel(), after = a.CreateLabel(), trap = a.CreateLabel(), fault = a.CreateLabel();
        a.Label(ref entry);
        code.Exports[name] = entry;
        a.mov(__qword_ptr[rdi], 0);
        setup();
        a.Label(ref at);
        instruction();
        a.Label(ref after);
        completed();
        a.ret();
        ReturnFromFixups(code, at, after, trap, fault);
    }

    /// <summary>
    /// A CPL3 helper's fix-up landings (<see cref="EmitUser"/>): the runtime resumes an event whose saved RIP is
    /// <paramref name="at"/> (a fault) at <paramref name="fault"/> and one whose saved RIP is <paramref name="after"/>
    /// (a trap) at <paramref name="trap"/>, which adds the trap bit; both store the error code the fix-up passes in RDX
    /// through RDI and return FaultBit | vector.
    /// </summary>
    private void ReturnFromFixups(Code64 code, Label at, Label after, Label trap, Label fault)
    {
        _a.Label(ref trap);
        _a.bts(rax, TrapBit);
        _a.Label(ref fault);
        _a.mov(__qword_ptr[rdi], rdx);
        _a.ret();
        code.UserFixups.Add((at, fault));
        code.UserFixups.Add((after, trap));
    }
}
