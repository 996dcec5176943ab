namespace Rig.Guest;

/// <summary>
/// Operations of the CPL0 gate (INT3 from rig_gate; RAX = op, RDI/RSI/RDX = arguments). This one file is
/// compiled into the guest runtime and into StubGen, which assembles the gate. The gate exists because under
/// kvm_pvm CPL3 code cannot rely on IOPL and cannot execute RDMSR/WRMSR, while CPL0 code is emulated.
/// </summary>
internal enum GateOp : ulong
{
    Out8 = 0,
    Out16 = 1,
    Out32 = 2,
    In8 = 3,
    In16 = 4,
    In32 = 5,
    OutString8 = 6,
    ReadMsr = 7,
    WriteMsr = 8,

    /// <summary>Calls a Xen hypercall page entry (a = its address) with two arguments in RDI, RSI (Xen's x86-64 ABI).</summary>
    XenHypercall = 9,

    /// <summary>
    /// CPUID leaf a, subleaf b at CPL0; EAX | EBX &lt;&lt; 32 in RAX, ECX | EDX &lt;&lt; 32 in RDX. At CPL3 kvm_pvm on an AMD
    /// host does not intercept CPUID, so only a CPL0 CPUID (emulated, hence intercepted) sees the target's leaves.
    /// </summary>
    Cpuid = 10,

    /// <summary>INVLPG [a]: drops this vCPU's TLB entries for the page of linear address a (SDM Vol. 3A 4.10.4.1).</summary>
    Invlpg = 40,

    /// <summary>MOV CR3 with CR3's own value: drops this vCPU's non-global TLB entries (SDM Vol. 3A 4.10.4.1); returns CR3.</summary>
    ReloadCr3 = 41,

    /// <summary>
    /// CR4.OSXSAVE, then XSETBV XCR0 = x87 | SSE | AVX (SDM Vol. 1 13.3): lets CPL3 use the YMM registers. The caller
    /// checks CPUID first (leaf 1 ECX.XSAVE and AVX, leaf 0xD EAX bit 2); XSETBV of an unsupported bit is #GP.
    /// </summary>
    EnableAvxState = 70,

    /// <summary>suites/cpu: INT3 at CPL0. Returns 0 if it completed with no event, 1 if its #BP handler ran with the RIP after it (a trap, SDM Vol. 3A 6.5), 2 if a fault was reported at it.</summary>
    Cpl0Int3 = 100,

    /// <summary>suites/cpu: INT 0x21 at CPL0 through a DPL0 gate; results as <see cref="Cpl0Int3"/>.</summary>
    Cpl0IntN = 101,

    /// <summary>suites/cpu: INT1 (ICEBP, F1) at CPL0: a trap-like #DB (SDM Vol. 2A INT n/INTO/INT3/INT1); results as <see cref="Cpl0Int3"/>.</summary>
    Cpl0Icebp = 102,

    /// <summary>suites/cpu: RDTSCP at CPL0; low byte as <see cref="Cpl0Int3"/>, IA32_TSC_AUX (ECX) in bits 8..39 when it completed.</summary>
    Cpl0Rdtscp = 103,

    /// <summary>
    /// suites/cpu: what CPL0 sees of the system registers, stored at a: GDTR (SGDT) at +0, IDTR (SIDT) at +16, TR (STR) at
    /// +32, LDTR (SLDT) at +40, CR0 at +48, CR4 at +56, so CPL3's SGDT/SIDT/STR/SLDT/SMSW can be compared with them.
    /// </summary>
    SystemRegisters = 104,

    /// <summary>
    /// suites/cpu's CPL0 instruction table (105–118), each one instruction run through the check fix-ups: the low byte is
    /// 0 completed (its value from bit 8), 1 trapped, 2 faulted, the vector in bits 8..15 and the error code from bit 16 for
    /// the last two (guest-probes/StubGen/CpuCheckCode.cs). a = 1 where the op first sets CR4.OSXSAVE (XSAVE offered).
    /// </summary>
    Cpl0Movbe = 105,
    Cpl0Xgetbv = 106,
    Cpl0XsetbvClearX87 = 107,
    Cpl0Invpcid = 108,
    Cpl0Clac = 109,
    Cpl0Stac = 110,
    Cpl0Clflushopt = 111,
    Cpl0Clwb = 112,
    Cpl0Rdpid = 113,
    Cpl0Rdpru = 114,
    Cpl0Vmcall = 115,
    Cpl0Vmmcall = 116,
    Cpl0MovCr4Reserved = 117,
    Cpl0MovDr0 = 118,
    Cpl0MovDr7Reserved = 119,

    /// <summary>suites/cpu: sets CR4 bit a (UMIP 11, PVI 1; SDM Vol. 3A 2.5), reported as the instruction table's ops.</summary>
    Cpl0SetCr4Bit = 120,

    /// <summary>suites/cpu: CR2, the linear address of the latest #PF (SDM Vol. 3A 4.7).</summary>
    ReadCr2 = 121,

    /// <summary>suites/cpu: MOV CR0 with PG cleared, in 64-bit mode (#GP(0), SDM Vol. 2B MOV control registers); reported as the instruction table's ops.</summary>
    Cpl0ClearCr0Pg = 122,

    /// <summary>suites/cpu: MOV CR4 with PAE cleared, in 64-bit mode (#GP(0), same section); reported as the instruction table's ops.</summary>
    Cpl0ClearCr4Pae = 123,

    /// <summary>suites/cpu: the gate's own IRETQ to CPL3 with SS = 0x18 (RPL 0 against the return CS's RPL 3); reported as the instruction table's ops.</summary>
    Cpl0IretqSsRpl0 = 124,

    /// <summary>suites/cpu: the gate's own IRETQ to CPL3 with a null SS; reported as the instruction table's ops.</summary>
    Cpl0IretqNullSs = 125,

    /// <summary>
    /// suites/cpu: a self-IPI taken at CPL0 (STI; HLT) while the probe's IDT gate for it names a DPL3 code segment: a = the
    /// xAPIC ICR's address, b = the ICR value; reported as the instruction table's ops, with the handler's CS as the value.
    /// </summary>
    Cpl0InterruptAtCpl0 = 126,

    /// <summary>
    /// suites/cpu: a = the RFLAGS.IOPL, VIF and VIP bits the gate returns to CPL3 with (the others kept): only an IRET at CPL0
    /// loads them (SDM Vol. 2A IRET; Vol. 2B POPF leaves them alone at CPL3). Returns 0.
    /// </summary>
    Cpl0SetUserVirtualInterruptFlags = 127,

    /// <summary>
    /// A Xen hypercall with all five arguments (Xen's x86-64 ABI: RDI, RSI, RDX, R10, R8): a points to six quadwords,
    /// the page entry to call and the five arguments. The fuzzer (guest-probes/probes/Fuzz.cs) needs every register set.
    /// </summary>
    XenHypercallFive = 200,

    /// <summary>
    /// A triple fault on purpose (SDM Vol. 3A 7.15 "#DF", 28.2 shutdown): LIDT of a zero-limit IDT, then UD2: the #UD and the
    /// #GP it becomes cannot be delivered, the #DF neither, and the processor shuts down. Never returns.
    /// </summary>
    TripleFault = 201,
}
