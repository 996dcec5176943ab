using Iced.Intel;
using Rig.Guest;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Probes.StubGen;

/// <summary>
/// CPL3 machine code the C# runtime calls as SysV functions (`[RuntimeImport]` externs resolved by the
/// linker script): instructions C# cannot express, the gate call, and the event trampoline.
/// </summary>
public static class UserCode
{
    /// <summary>A "try" helper returns this bit set, with the vector in the low byte, when its instruction faulted.</summary>
    public const ulong FaultBit = 1UL << 63;

    public static void Emit(Code64 code)
    {
        Assembler a = code.Asm;
        EmitTrampoline(code);

        a.Label(ref code.HaltUser);
        a.pause();
        a.jmp(code.HaltUser);

        // The one INT3 the CPL0 #BP entry treats as a gate call (KernelCode.EmitCommon).
        Label gateCall = a.CreateLabel();
        a.Label(ref gateCall);
        a.int3();
        a.Label(ref code.GateReturn);
        a.ret();
        Export(code, "rig_gate", () => { a.mov(rax, rdi); a.mov(rdi, rsi); a.mov(rsi, rdx); a.mov(rdx, rcx); a.call(gateCall); });
        Export(code, "rig_read_msr", () =>
        {
            a.push(rsi);
            a.mov(eax, (int)GateOp.ReadMsr);
            a.call(gateCall);
            a.pop(rsi);
            a.mov(__qword_ptr[rsi], rax);
            a.mov(eax, edx);
        });
        Export(code, "rig_rdtsc", () => { a.rdtsc(); a.shl(rdx, 32); a.or(rax, rdx); });
        // MFENCE;LFENCE before RDTSC: it reads the TSC only after all earlier instructions, loads and stores (SDM Vol. 2B
        // RDTSC), for targets that do not offer RDTSCP.
        Export(code, "rig_rdtsc_ordered", () => { a.mfence(); a.lfence(); a.rdtsc(); a.shl(rdx, 32); a.or(rax, rdx); });
        // RDTSCP waits for earlier instructions and returns IA32_TSC_AUX in ECX (SDM Vol. 2B RDTSCP).
        Export(code, "rig_rdtscp", () => { a.rdtscp(); a.mov(__dword_ptr[rdi], ecx); a.shl(rdx, 32); a.or(rax, rdx); });
        Export(code, "rig_cpuid", () =>
        {
            a.push(rdx);
            a.mov(eax, (int)GateOp.Cpuid);
            a.call(gateCall);
            a.pop(rcx);
            a.mov(__qword_ptr[rcx], rax);
            a.mov(__qword_ptr[rcx + 8], rdx);
        });
        // The CPU's own answer at CPL3, which under kvm_pvm on AMD is the host's (docs/notes/probes.md, "CPUID").
        Export(code, "rig_cpuid_cpl3", () =>
        {
            a.push(rbx);
            a.mov(r8, rdx);
            a.mov(eax, edi);
            a.mov(ecx, esi);
            a.cpuid();
            a.mov(__dword_ptr[r8], eax);
            a.mov(__dword_ptr[r8 + 4], ebx);
            a.mov(__dword_ptr[r8 + 8], ecx);
            a.mov(__dword_ptr[r8 + 12], edx);
            a.pop(rbx);
        });
        Export(code, "rig_pause", () => a.pause());
        // Direct port output at CPL3: only used once the runtime has measured that IOPL=3 is honoured.
        Export(code, "rig_outsb", () => { a.mov(rcx, rdx); a.mov(rdx, rdi); a.rep.outsb(); });
        // What the core library's unreachable helpers and ILC's stack-cookie check call: #UD, reported by the runtime.
        Export(code, "rig_unsupported", () => a.ud2());
        // ILC's GC write barriers for storing a reference through a pointer (an out string, say): the probe heap is never
        // collected, so a barrier is the store itself. RhpByRefAssignRef copies [rsi] to [rdi] and advances both: movsq.
        Export(code, "rig_assign_ref", () => a.mov(__qword_ptr[rdi], rsi));
        Export(code, "rig_byref_assign_ref", () => a.movsq());
        // Device registers take exactly one aligned 32-bit access (HPET spec 1.0a 2.3.1, SDM Vol. 3A 12.4.1, 82093AA
        // 3.0); a C# dereference may be compiled into a byte-wide TEST, which QEMU's HPET answers with 0.
        Export(code, "rig_mmio_read32", () => a.mov(eax, __dword_ptr[rdi]));
        Export(code, "rig_mmio_write32", () => a.mov(__dword_ptr[rdi], esi));
        Export(code, "rig_load64", () => a.mov(rax, __qword_ptr[rdi]));
        Export(code, "rig_cmpxchg64", () => { a.mov(rax, rsi); a.@lock.cmpxchg(__qword_ptr[rdi], rdx); });
        Export(code, "rig_xadd64", () => { a.mov(rax, rsi); a.@lock.xadd(__qword_ptr[rdi], rax); });
        Export(code, "rig_xchg64", () => { a.mov(rax, rsi); a.xchg(__qword_ptr[rdi], rax); });

        RegisterHold.Emit(code, ymm: false);
        RegisterHold.Emit(code, ymm: true);

        ExportTry(code, "rig_try_ud2", () => a.xor(eax, eax), () => a.ud2(), () => { });
        // INT n through the DPL3 gates of NMI and #MC (SystemTables.WriteIdt): the handler runs, the NMI/#MC hardware does
        // not; a target that refuses INT n at CPL3 raises a fault at the instruction instead (kvm_pvm: #UD).
        ExportTry(code, "rig_try_int_nmi", () => a.xor(eax, eax), () => a.@int(2), () => { });
        ExportTry(code, "rig_try_int_machine_check", () => a.xor(eax, eax), () => a.@int(18), () => { });
        ExportTry(code, "rig_try_div0", () => { a.xor(edx, edx); a.mov(eax, 1); a.xor(ecx, ecx); }, () => a.div(rcx), () => a.xor(eax, eax));
        ExportTry(code, "rig_try_in8", () => { a.mov(rdx, rdi); a.xor(eax, eax); }, () => a.@in(al, dx), () => { });
        ExportTry(code, "rig_try_out8", () => { a.mov(rdx, rdi); a.mov(rax, rsi); }, () => a.@out(dx, al), () => a.xor(eax, eax));
        // INT3 is a trap: the reported RIP is the next instruction (SDM 6.5), so fault and resume coincide.
        Label int3Resume = a.CreateLabel();
        Label int3 = a.CreateLabel();
        a.Label(ref int3);
        code.Exports["rig_try_int3"] = int3;
        a.xor(eax, eax);
        a.int3();
        a.Label(ref int3Resume);
        a.ret();
        code.UserFixups.Add((int3Resume, int3Resume));
    }

    /// <summary>
    /// RSP points at the frame the CPL0 entry built (Runtime/EventFrame.cs). C# gets its address and may change
    /// the saved RAX/RIP (the fix-ups of the try helpers); RBX keeps the frame across the call (callee-saved).
    /// RET 128 pops the saved RIP and skips the red zone, landing exactly on the interrupted RSP.
    /// </summary>
    private static void EmitTrampoline(Code64 code)
    {
        Assembler a = code.Asm;
        a.Label(ref code.Trampoline);
        a.mov(rdi, rsp);
        a.mov(rbx, rsp);
        a.and(rsp, -16);
        a.call(__qword_ptr[(long)Layout.EntryTable + 8]);
        a.mov(rsp, rbx);
        a.add(rsp, 16);
        foreach (AssemblerRegister64 register in new[] { r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax, rbx })
        {
            a.pop(register);
        }
        a.popfq();
        a.ret(128);
    }

    private static void Export(Code64 code, string name, Action body)
    {
        Label label = code.Asm.CreateLabel();
        code.Asm.Label(ref label);
        code.Exports[name] = label;
        body();
        code.Asm.ret();
    }

    /// <summary>setup; [faulting instruction]; after-if-no-fault; resume: ret. On a fault C# sets RAX = FaultBit | vector, RIP = resume.</summary>
    private static void ExportTry(Code64 code, string name, Action setup, Action instruction, Action noFault)
    {
        Assembler a = code.Asm;
        Label entry = a.CreateLabel(), fault = a.CreateLabel(), resume = a.CreateLabel();
        a.Label(ref entry);
        code.Exports[name] = entry;
        setup();
        a.Label(ref fault);
        instruction();
        noFault();
        a.Label(ref resume);
        a.ret();
        code.UserFixups.Add((fault, resume));
    }
}
