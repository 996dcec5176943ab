using System.Runtime.InteropServices;
using Iced.Intel;
using Rig.Guest;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Probes.StubGen;

/// <summary>
/// Everything that runs at CPL0. Under kvm_pvm CPL0 is emulated (~0.5 M instructions/s) and SSE there is
/// an emulation failure, so this is short, SSE-free, and does as little as possible per event: exceptions
/// and interrupts from CPL3 are pushed onto the interrupted CPL3 stack and handed to C# at CPL3 like a
/// Unix signal. Privileged operations go through a gate entered with INT3 from one fixed place (the
/// CPL3 helper rig_gate): the CPL0 #BP entry recognises that RIP, does one privileged instruction and IRETQs.
/// SYSCALL is not used: under kvm_pvm the code at LSTAR still raised #GP on OUT with a CPL3 CS in the
/// exception frame (measured, docs/notes/probes.md), and `int n` from CPL3 is silently dropped there.
/// </summary>
public static class KernelCode
{
    /// <summary>RFLAGS for CPL3: IF=1 and IOPL=3 (whether IOPL is honoured is measured at boot, not assumed).</summary>
    public const int UserRflags = 0x3202;

    /// <summary>Bytes below the interrupted RSP left alone: the SysV red zone.</summary>
    private const int RedZone = 128;

    /// <summary>The saved CPL3 context C# receives; its one definition is the runtime's struct (Runtime/EventFrame.cs).</summary>
    public static readonly int FrameSize = Marshal.SizeOf<EventFrame>();

    // Vectors that push an error code (SDM 6.15, table 6-1 "Exceptions and Interrupts").
    private static readonly int[] WithErrorCode = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];

    public static void Emit(Code64 code)
    {
        Assembler a = code.Asm;
        Label common = a.CreateLabel(), kernelEvent = a.CreateLabel();
        Label readMsr = a.CreateLabel(), readMsrFault = a.CreateLabel();
        Label writeMsr = a.CreateLabel(), writeMsrFault = a.CreateLabel();

        EmitInit(code);
        Label gate = a.CreateLabel(), heldEntry = a.CreateLabel();
        EmitVectorEntries(code, common, gate, heldEntry);
        var heldFaults = HeldEventCode.Emit(code, heldEntry, common);
        EmitCommon(code, common, kernelEvent);
        // suites/cpu's operations fill their fix-ups as they are emitted, so the gate comes before the event path that reads them.
        var cpuChecks = new CpuCheckCode(code);
        EmitGate(code, gate, readMsr, readMsrFault, writeMsr, writeMsrFault, cpuChecks.GateOps);
        cpuChecks.EmitKernel();
        EmitKernelEvent(code, kernelEvent, [(readMsr, readMsrFault), (writeMsr, writeMsrFault), .. heldFaults, .. cpuChecks.KernelFixups], cpuChecks.Reported);
        cpuChecks.EmitUser(code);
    }

    /// <summary>Per-vCPU setup, entered in long mode from the 32-bit code; the first vCPU to arrive is index 0.</summary>
    private static void EmitInit(Code64 code)
    {
        Assembler a = code.Asm;
        Label tooMany = a.CreateLabel();
        a.mov(ax, Selectors.KernelData);
        a.mov(ds, ax);
        a.mov(es, ax);
        a.mov(ss, ax);
        a.xor(eax, eax);
        a.mov(fs, ax);
        a.mov(gs, ax);
        a.mov(eax, 1);
        a.@lock.xadd(__qword_ptr[(long)Code64.BootInfoField(BootInfo.CpusStarted)], rax);
        a.mov(rbx, rax);
        a.cmp(rbx, Layout.MaxCpus);
        a.jae(tooMany);
        a.imul(rax, rbx, (int)Layout.KernelStacksStride);
        a.add(rax, (int)(Layout.KernelStacksBase + 0x1000));
        a.mov(rsp, rax);
        a.lidt(__[(long)Layout.Address(BootCode.IdtrOffset)]);
        a.mov(eax, ebx); // TSS selector = FirstTss + 16 * index (64-bit TSS descriptors are 16 bytes)
        a.shl(eax, 4);
        a.add(eax, Selectors.FirstTss);
        a.ltr(ax);
        // SSE for the C# code (SDM 13.1.3): CR0.EM=0, CR0.MP=1, CR4.OSFXSR|OSXMMEXCPT; CR4.MCE so #MC is delivered.
        a.mov(rax, cr0);
        a.and(rax, ~4);
        a.or(rax, 2);
        a.mov(cr0, rax);
        a.mov(rax, cr4);
        a.or(rax, 0x640);
        a.mov(cr4, rax);
        // This vCPU's CPL3 stack; a return into a pause loop in case the C# entry ever returns.
        a.mov(rax, rbx);
        a.shl(rax, Layout.UserStackShift);
        a.mov(rcx, (long)(Layout.UserStacksBase + (1UL << Layout.UserStackShift) - 8));
        a.add(rax, rcx);
        a.lea(rcx, __[code.HaltUser]);
        a.mov(__qword_ptr[rax], rcx);
        a.push(Selectors.UserData | 3);
        a.push(rax);
        a.push(UserRflags);
        a.push(Selectors.UserCode64 | 3);
        a.push(__qword_ptr[(long)Layout.EntryTable]);
        a.mov(rdi, (long)Layout.Address(Layout.BootInfoOffset));
        a.mov(rsi, rbx);
        a.iretq();
        a.Label(ref tooMany);
        a.cli();
        a.hlt();
        a.jmp(tooMany);
    }

    private static void WriteMsr(Assembler a, uint msr, ulong value)
    {
        a.mov(ecx, msr);
        a.mov(eax, (uint)value);
        a.mov(edx, (uint)(value >> 32));
        a.wrmsr();
    }

    /// <summary>
    /// One entry per vector. #BP first checks for a gate call: the frame's RIP (at [RSP], #BP pushes no error
    /// code) against the gate's return address as an immediate, so the emulated path is two instructions long.
    /// </summary>
    private static void EmitVectorEntries(Code64 code, Label common, Label gate, Label heldEntry)
    {
        Assembler a = code.Asm;
        for (int vector = 0; vector < 256; vector++)
        {
            Label entry = a.CreateLabel();
            a.Label(ref entry);
            code.VectorEntries.Add(entry);
            if (vector == 3)
            {
                a.cmp(__qword_ptr[rsp], (int)code.GateReturnAddress);
                a.je(gate);
            }
            if (!WithErrorCode.Contains(vector))
            {
                a.push(0);
            }
            a.push(vector);
            a.jmp(vector is 2 or 18 ? heldEntry : common); // NMI and #MC may be held at CPL0 (HeldEventCode)
        }
    }

    /// <summary>
    /// Stack here: vector, error, RIP, CS, RFLAGS, RSP, SS (SDM 6.14.2). An event from CPL3 is copied onto
    /// the CPL3 stack below the red zone, and the IRETQ goes to the CPL3 trampoline instead of the
    /// interrupted RIP; the trampoline calls C# and then restores everything with RET 128.
    /// </summary>
    private static int Frame(string field) => (int)Marshal.OffsetOf<EventFrame>(field);

    private static void EmitCommon(Code64 code, Label common, Label kernelEvent)
    {
        Assembler a = code.Asm;
        a.Label(ref common);
        a.test(__byte_ptr[rsp + 24], 3);
        a.jz(kernelEvent);
        a.push(rax);
        a.push(rbx);
        a.mov(rbx, __qword_ptr[rsp + 56]);
        a.sub(rbx, RedZone + FrameSize);
        a.mov(rax, __qword_ptr[rsp + 16]);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.Vector))], rax);
        EmitLevelStormGuard(code);
        a.mov(rax, __qword_ptr[rsp + 24]);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.ErrorCode))], rax);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.R11))], r11);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.R10))], r10);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.R9))], r9);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.R8))], r8);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.Rdi))], rdi);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.Rsi))], rsi);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.Rdx))], rdx);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.Rcx))], rcx);
        a.mov(rax, __qword_ptr[rsp + 8]);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.Rax))], rax);
        a.mov(rax, __qword_ptr[rsp]);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.Rbx))], rax);
        a.mov(rax, __qword_ptr[rsp + 48]);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.Rflags))], rax);
        a.mov(rax, __qword_ptr[rsp + 32]);
        a.mov(__qword_ptr[rbx + Frame(nameof(EventFrame.Rip))], rax);
        a.mov(__qword_ptr[rsp + 56], rbx);
        a.lea(rax, __[code.Trampoline]);
        a.mov(__qword_ptr[rsp + 32], rax);
        a.and(__qword_ptr[rsp + 48], ~0x40500); // TF, DF, AC off while C# handles the event
        a.pop(rbx);
        a.pop(rax);
        a.add(rsp, 16);
        a.iretq();
    }

    /// <summary>
    /// RAX holds the vector, RBX the CPL3 frame being built, the stack RBX, RAX, vector, error, RIP… A vector arriving
    /// again at the trampoline's first instruction was delivered a second time before its C# handler could run: a LAPIC
    /// that sets ISR cannot do that (SDM Vol. 3A 12.8.4), and with a level-triggered IOAPIC entry whose line stays
    /// asserted it never ends (kvm_pvm's in-kernel LAPIC EOIs at acceptance, docs/notes/apic.md), each nesting another
    /// frame until the stacks are overrun. For the one vector a probe names (Runtime/LevelStormGuard.cs), masking its
    /// redirection entry here, the way an OS's level handler masks at entry, ends it; the trip is counted. Two
    /// instructions on every other event.
    /// </summary>
    private static void EmitLevelStormGuard(Code64 code)
    {
        Assembler a = code.Asm;
        Label unguarded = a.CreateLabel();
        a.cmp(rax, __qword_ptr[(long)Code64.BootInfoField(BootInfo.LevelGuardVector)]);
        a.jne(unguarded);
        a.lea(rax, __[code.Trampoline]);
        a.cmp(__qword_ptr[rsp + 32], rax);
        a.jne(unguarded);
        a.push(rcx);
        a.mov(rcx, __qword_ptr[(long)Code64.BootInfoField(BootInfo.LevelGuardIoApic)]);
        a.mov(rax, __qword_ptr[(long)Code64.BootInfoField(BootInfo.LevelGuardSelect)]);
        a.mov(__dword_ptr[rcx], eax);
        a.mov(rax, __qword_ptr[(long)Code64.BootInfoField(BootInfo.LevelGuardMaskedEntry)]);
        a.mov(__dword_ptr[rcx + 0x10], eax);
        a.pop(rcx);
        a.@lock.inc(__qword_ptr[(long)Code64.BootInfoField(BootInfo.LevelGuardTrips)]);
        a.Label(ref unguarded);
    }

    /// <summary>
    /// An event at CPL0 (only inside the gate, which runs with IF=0, or the held NMI/#MC handler): an NMI is counted and
    /// dropped, a fault of the gate's RDMSR/WRMSR or one the held handler was asked to take resumes at its fix-up, anything else is fatal and reported from
    /// here as an `RIG error` line, since C# cannot run. An event at the instruction suites/cpu's operation announced in R10
    /// (a fault) or after it, in R11 (a trap), resumes at <paramref name="reported"/>'s Fault or Trap point with the vector in RAX
    /// and the error code in RDX (<see cref="CpuCheckCode"/>): two compares, where a fix-up per instruction would not fit the stub.
    /// </summary>
    private static void EmitKernelEvent(Code64 code, Label kernelEvent, (Label Fault, Label Resume)[] fixups, (Label Fault, Label Trap) reported)
    {
        Assembler a = code.Asm;
        Label notNmi = a.CreateLabel(), printString = a.CreateLabel(), printHex = a.CreateLabel();
        Label prefix = a.CreateLabel(), defaultName = a.CreateLabel(), vectorText = a.CreateLabel();
        Label ripText = a.CreateLabel(), errorText = a.CreateLabel(), suffix = a.CreateLabel(), haveName = a.CreateLabel();
        a.Label(ref kernelEvent);
        a.cmp(__qword_ptr[rsp], 2);
        a.jne(notNmi);
        a.@lock.inc(__qword_ptr[(long)Code64.BootInfoField(BootInfo.NmiAtCpl0)]);
        a.add(rsp, 16);
        a.iretq();
        a.Label(ref notNmi);
        a.push(rax);
        foreach ((Label fault, Label resume) in fixups)
        {
            Label next = a.CreateLabel();
            a.lea(rax, __[fault]);
            a.cmp(__qword_ptr[rsp + 24], rax);
            a.jne(next);
            a.lea(rax, __[resume]);
            a.mov(__qword_ptr[rsp + 24], rax);
            a.pop(rax);
            a.add(rsp, 16);
            a.iretq();
            a.Label(ref next);
        }
        Label resumeReported = a.CreateLabel(), notFault = a.CreateLabel(), unknown = a.CreateLabel();
        a.cmp(__qword_ptr[rsp + 24], r10);
        a.jne(notFault);
        a.lea(rax, __[reported.Fault]);
        a.jmp(resumeReported);
        a.Label(ref notFault);
        a.cmp(__qword_ptr[rsp + 24], r11);
        a.jne(unknown);
        a.lea(rax, __[reported.Trap]);
        a.Label(ref resumeReported);
        a.mov(__qword_ptr[rsp + 24], rax);
        a.mov(rax, __qword_ptr[rsp + 8]);
        a.mov(rdx, __qword_ptr[rsp + 16]);
        a.add(rsp, 24);
        a.iretq();
        a.Label(ref unknown);
        a.pop(rax);
        a.lea(rsi, __[prefix]);
        a.call(printString);
        a.mov(rsi, __qword_ptr[(long)Code64.BootInfoField(BootInfo.ProbeName)]);
        a.test(rsi, rsi);
        a.jnz(haveName);
        a.lea(rsi, __[defaultName]);
        a.Label(ref haveName);
        a.call(printString);
        PrintField(a, vectorText, 0, printString, printHex);
        PrintField(a, ripText, 16, printString, printHex);
        PrintField(a, errorText, 8, printString, printHex);
        a.lea(rsi, __[suffix]);
        a.call(printString);
        a.mov(al, 2);
        a.@out(0xF4, al);
        Label stop = a.CreateLabel();
        a.Label(ref stop);
        a.cli();
        a.hlt();
        a.jmp(stop);

        a.Label(ref printString);
        Label loop = a.CreateLabel(), done = a.CreateLabel();
        a.mov(dx, 0x3F8);
        a.Label(ref loop);
        a.mov(al, __byte_ptr[rsi]);
        a.test(al, al);
        a.jz(done);
        a.@out(dx, al);
        a.inc(rsi);
        a.jmp(loop);
        a.Label(ref done);
        a.ret();

        a.Label(ref printHex);
        Label digit = a.CreateLabel(), decimalDigit = a.CreateLabel();
        a.mov(ecx, 16);
        a.mov(dx, 0x3F8);
        a.Label(ref digit);
        a.rol(rax, 4);
        a.mov(rdi, rax);
        a.and(eax, 0xF);
        a.cmp(al, 10);
        a.jb(decimalDigit);
        a.add(al, 'a' - '0' - 10);
        a.Label(ref decimalDigit);
        a.add(al, (byte)'0');
        a.@out(dx, al);
        a.mov(rax, rdi);
        a.dec(ecx);
        a.jnz(digit);
        a.ret();

        Text(a, ref prefix, "RIG error ");
        Text(a, ref defaultName, "probe");
        Text(a, ref vectorText, " vector=0x");
        Text(a, ref ripText, " rip=0x");
        Text(a, ref errorText, " error=0x");
        Text(a, ref suffix, " cpl=0\n");
    }

    /// <summary>Prints a label and the hex value at [RSP + offset] of the exception frame (vector, error, RIP, ...).</summary>
    private static void PrintField(Assembler a, Label text, int frameOffset, Label printString, Label printHex)
    {
        a.lea(rsi, __[text]);
        a.call(printString);
        a.mov(rax, __qword_ptr[rsp + frameOffset]);
        a.call(printHex);
    }

    private static void Text(Assembler a, ref Label label, string text)
    {
        a.Label(ref label);
        a.db([.. text.Select(c => (byte)c), 0]);
    }

    /// <summary>
    /// The gate, reached from the #BP entry with the IRETQ frame on the CPL0 stack and IF=0 (interrupt gate):
    /// RAX = operation, RDI/RSI/RDX = arguments; results in RAX (and RDX for RDMSR's status).
    /// </summary>
    private static void EmitGate(Code64 code, Label gate, Label readMsr, Label readMsrFault, Label writeMsr, Label writeMsrFault,
        IEnumerable<(GateOp Op, Action Body)> rareOps)
    {
        Assembler a = code.Asm;
        Label done = a.CreateLabel();
        var ops = new Dictionary<GateOp, Label>();
        // Most frequent first: each miss costs two emulated instructions under kvm_pvm.
        foreach (GateOp op in new[] { GateOp.OutString8, GateOp.ReadMsr, GateOp.WriteMsr, GateOp.In8, GateOp.Out8, GateOp.In16, GateOp.In32, GateOp.Out16, GateOp.Out32, GateOp.XenHypercall, GateOp.Cpuid, GateOp.Invlpg, GateOp.ReloadCr3, GateOp.EnableAvxState, GateOp.XenHypercallFive, GateOp.TripleFault })
        {
            ops[op] = a.CreateLabel();
        }
        var rare = rareOps.ToList();
        foreach ((GateOp op, _) in rare)
        {
            ops[op] = a.CreateLabel();
        }
        a.Label(ref gate);
        foreach ((GateOp op, Label target) in ops)
        {
            a.cmp(rax, (int)op);
            a.je(target);
        }
        a.mov(rax, -1);
        a.jmp(done);

        Op(GateOp.Out8, () => { a.mov(rdx, rdi); a.mov(rax, rsi); a.@out(dx, al); });
        Op(GateOp.Out16, () => { a.mov(rdx, rdi); a.mov(rax, rsi); a.@out(dx, ax); });
        Op(GateOp.Out32, () => { a.mov(rdx, rdi); a.mov(rax, rsi); a.@out(dx, eax); });
        Op(GateOp.In8, () => { a.mov(rdx, rdi); a.xor(eax, eax); a.@in(al, dx); });
        Op(GateOp.In16, () => { a.mov(rdx, rdi); a.xor(eax, eax); a.@in(ax, dx); });
        Op(GateOp.In32, () => { a.mov(rdx, rdi); a.xor(eax, eax); a.@in(eax, dx); });
        Op(GateOp.OutString8, () => { a.mov(rcx, rdx); a.mov(rdx, rdi); a.rep.outsb(); });
        // The page's entry does the hypercall itself (on rig-hv an OUT to 0xE8) and returns with the result in RAX.
        Op(GateOp.XenHypercall, () => { a.mov(rax, rdi); a.mov(rdi, rsi); a.mov(rsi, rdx); a.call(rax); });
        // CPUID writes all four registers and zero-extends each (SDM Vol. 2A CPUID); RBX is the caller's, so it is kept.
        Op(GateOp.Cpuid, () =>
        {
            a.push(rbx);
            a.mov(eax, edi);
            a.mov(ecx, esi);
            a.cpuid();
            a.shl(rbx, 32);
            a.or(rax, rbx);
            a.shl(rdx, 32);
            a.or(rdx, rcx);
            a.pop(rbx);
        });
        Op(GateOp.Invlpg, () => a.invlpg(__[rdi]));
        Op(GateOp.ReloadCr3, () => { a.mov(rax, cr3); a.mov(cr3, rax); });
        Op(GateOp.EnableAvxState, () =>
        {
            a.mov(rax, cr4);
            a.or(rax, 1 << 18); // CR4.OSXSAVE (SDM Vol. 3A 2.5)
            a.mov(cr4, rax);
            a.xor(ecx, ecx);
            a.xor(edx, edx);
            a.mov(eax, 7); // XCR0: x87 | SSE | AVX, the state components YMM needs (SDM Vol. 1 13.1)
            a.xsetbv();
            a.xor(eax, eax);
        });
        Op(GateOp.ReadMsr, () =>
        {
            Label ok = a.CreateLabel();
            a.mov(rcx, rdi);
            a.Label(ref readMsr);
            a.rdmsr();
            a.shl(rdx, 32);
            a.or(rax, rdx);
            a.xor(edx, edx);
            a.jmp(ok);
            a.Label(ref readMsrFault);
            a.xor(eax, eax);
            a.mov(edx, 1);
            a.Label(ref ok);
        });
        Op(GateOp.WriteMsr, () =>
        {
            Label ok = a.CreateLabel();
            a.mov(rcx, rdi);
            a.mov(rax, rsi);
            a.mov(rdx, rsi);
            a.shr(rdx, 32);
            a.Label(ref writeMsr);
            a.wrmsr();
            a.xor(eax, eax);
            a.jmp(ok);
            a.Label(ref writeMsrFault);
            a.mov(eax, 1);
            a.Label(ref ok);
        });

        Op(GateOp.XenHypercallFive, () =>
        {
            a.mov(rax, rdi);
            a.mov(rdi, __qword_ptr[rax + 8]);
            a.mov(rsi, __qword_ptr[rax + 16]);
            a.mov(rdx, __qword_ptr[rax + 24]);
            a.mov(r10, __qword_ptr[rax + 32]);
            a.mov(r8, __qword_ptr[rax + 40]);
            a.call(__qword_ptr[rax]);
        });
        Op(GateOp.TripleFault, () =>
        {
            // A zero IDTR (limit 0, base 0) from the stack: every vector is then past the limit (SDM Vol. 3A 6.10).
            a.push(0);
            a.push(0);
            a.lidt(__[rsp]);
            a.ud2();
        });
        foreach ((GateOp op, Action body) in rare)
        {
            Op(op, body);
        }

        a.Label(ref done);
        a.iretq();

        void Op(GateOp op, Action body)
        {
            Label label = ops[op];
            a.Label(ref label);
            body();
            a.jmp(done);
        }
    }
}
