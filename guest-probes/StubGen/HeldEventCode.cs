using Iced.Intel;
using Rig.Guest;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Probes.StubGen;

/// <summary>
/// The held NMI/#MC handler: stays inside the architectural handler, at CPL0, until the probe releases it. The common
/// entry hands every event to C# at CPL3 after an IRETQ, and an IRET ends NMI blocking (SDM Vol. 3A 6.7.1 "Handling
/// Multiple NMIs"), so a C# handler always runs with NMIs unblocked. Returning to CPL3 by a far RET instead (which
/// keeps the blocking) works on TCG but is an emulation failure under kvm_pvm, whose emulator runs all CPL0 code
/// (docs/notes/nmi-mce.md); so the handler body is here: for a vector whose per-vCPU mode is
/// <see cref="HeldMode.Hold"/> or <see cref="HeldMode.LogOnly"/> it logs the arrival (vector, depth, TSC, the
/// interrupted RIP and CS) in the vCPU's block (<see cref="Layout.HeldDepthOffset"/>), and for Hold the outermost
/// handler then spins until another vCPU sets the release flag or its time bound passes, logs its IRET, and IRETs.
/// A nested arrival (depth above 1) is counted (<see cref="Layout.HeldNestedOffset"/>), logged and returned from at
/// once. #MC clears MCG_STATUS (MCIP) before its IRET, as the SDM asks of a handler that resumes (Vol. 3B 16.10 / 17.10 "Machine-Check Software Requirements").
/// While it waits, the outermost handler takes one fault when another vCPU asks for it (<see cref="Layout.HeldFaultOffset"/>:
/// #UD, #GP or #PF, never INT3, which stops the VM at CPL0 under kvm_pvm); the common CPL0 entry returns from that
/// fault with IRETQ at its fix-up (<see cref="FaultFixups"/>), and that IRET ends NMI blocking inside the NMI handler
/// (SDM Vol. 3A 6.7.1: the next IRET, whichever handler executes it; seed 004 item 1).
/// </summary>
public static class HeldEventCode
{
    /// <summary>Distance the outermost handler moves its frame down its IST stack, so a nested arrival on the same IST cannot overwrite it (seed 004 item 6).</summary>
    private const int FrameRelocation = 0x100;

    /// <summary>Saved RAX, RBX, RCX, RDX, then vector, error code and the IRETQ frame (SDM 6.14.2).</summary>
    private const int SavedQwords = 11;

    private const int VectorAt = 32, RipAt = 48, CsAt = 56;

    private const uint McgStatus = 0x17A;

    /// <summary>Canonical but beyond the 4 GiB the page tables map (SystemTables: PDPT entries 4.. not present): #PF (SDM Vol. 3A 4.7).</summary>
    private const long Unmapped = 0x1_0000_0000;

    /// <summary>Not canonical: a data access through it is #GP(0) (SDM Vol. 3A 3.3.7.1).</summary>
    private const long NonCanonical = unchecked((long)0x8000_0000_0000_0000);

    public const int InvalidOpcode = 6, GeneralProtection = 13, PageFault = 14;

    /// <summary>
    /// Reached from the vector entries of NMI and #MC with vector and error code pushed; not held: on to <paramref name="common"/>.
    /// Returns the requested faults' (faulting instruction, resume) pairs for the CPL0 fix-up table.
    /// </summary>
    public static IReadOnlyList<(Label Fault, Label Resume)> Emit(Code64 code, Label heldEntry, Label common)
    {
        Assembler a = code.Asm;
        Label notHeld = a.CreateLabel(), leave = a.CreateLabel(), copy = a.CreateLabel(), spin = a.CreateLabel();
        Label released = a.CreateLabel(), notMachineCheck = a.CreateLabel(), logOnly = a.CreateLabel(), fault = a.CreateLabel();
        Label outermost = a.CreateLabel();
        a.Label(ref heldEntry);
        a.push(rax);
        a.push(rbx);
        a.push(rcx);
        a.push(rdx);
        a.mov(rbx, rsp);
        a.and(rbx, -(int)Layout.KernelStacksStride);
        a.mov(rcx, __qword_ptr[rsp + VectorAt]);
        a.movzx(eax, __byte_ptr[rbx + rcx + (int)Layout.HeldModesOffset]);
        a.cmp(eax, (int)HeldMode.Normal);
        a.je(notHeld);
        a.inc(__qword_ptr[rbx + (int)Layout.HeldDepthOffset]);
        a.cmp(__qword_ptr[rbx + (int)Layout.HeldDepthOffset], 1);
        a.je(outermost);
        a.inc(__qword_ptr[rbx + (int)Layout.HeldNestedOffset]);
        a.Label(ref outermost);
        // Decided before the arrival is logged: the releasing vCPU may change the mode as soon as it sees the entry.
        a.cmp(eax, (int)HeldMode.Hold);
        a.jne(logOnly);
        a.cmp(__qword_ptr[rbx + (int)Layout.HeldDepthOffset], 1);
        a.jne(logOnly);
        EmitLog(a, HeldLogWhat.Deliver, __qword_ptr[rsp + VectorAt]);

        a.mov(ecx, SavedQwords - 1);
        a.Label(ref copy);
        a.mov(rax, __qword_ptr[rsp + rcx * 8]);
        a.mov(__qword_ptr[rsp + rcx * 8 - FrameRelocation], rax);
        a.dec(rcx);
        a.jns(copy);
        a.sub(rsp, FrameRelocation);

        ReadTsc(a);
        a.add(rax, __qword_ptr[rbx + (int)Layout.HeldSpinCyclesOffset]);
        a.mov(__qword_ptr[rbx + (int)Layout.HeldDeadlineOffset], rax);
        a.Label(ref spin);
        a.cmp(__qword_ptr[rbx + (int)Layout.HeldReleaseOffset], 0);
        a.jne(released);
        a.cmp(__qword_ptr[rbx + (int)Layout.HeldFaultOffset], 0);
        a.jne(fault);
        a.pause();
        ReadTsc(a);
        a.cmp(rax, __qword_ptr[rbx + (int)Layout.HeldDeadlineOffset]);
        a.jb(spin);
        a.Label(ref released);
        a.mov(__qword_ptr[rbx + (int)Layout.HeldReleaseOffset], 0);
        EmitLog(a, HeldLogWhat.Iret, __qword_ptr[rsp + VectorAt]);
        a.jmp(leave);

        a.Label(ref fault);
        var fixups = EmitFault(a, spin);

        a.Label(ref logOnly);
        EmitLog(a, HeldLogWhat.Deliver, __qword_ptr[rsp + VectorAt]);

        a.Label(ref leave);
        a.cmp(__qword_ptr[rsp + VectorAt], 18);
        a.jne(notMachineCheck);
        a.mov(ecx, McgStatus);
        a.xor(eax, eax);
        a.xor(edx, edx);
        a.wrmsr();
        a.Label(ref notMachineCheck);
        a.dec(__qword_ptr[rbx + (int)Layout.HeldDepthOffset]);
        PopSaved(a);
        a.lea(rsp, __[rsp + 16]);
        a.iretq();

        a.Label(ref notHeld);
        PopSaved(a);
        a.jmp(common);
        return fixups;
    }

    /// <summary>
    /// The requested fault: logged first (so an NMI delivered before the fault's IRET shows up ahead of it), then raised;
    /// the fix-up resumes after it, where the request is cleared and the wait goes on. An instruction that did not fault
    /// logs a second entry with vector 0, so a case cannot mistake a missing fault for NMIs kept blocked.
    /// </summary>
    private static List<(Label Fault, Label Resume)> EmitFault(Assembler a, Label spin)
    {
        Label gp = a.CreateLabel(), udAt = a.CreateLabel(), gpAt = a.CreateLabel(), pfAt = a.CreateLabel();
        Label noFault = a.CreateLabel(), resume = a.CreateLabel();
        EmitLog(a, HeldLogWhat.Fault, __qword_ptr[rbx + (int)Layout.HeldFaultOffset]);
        a.mov(rax, __qword_ptr[rbx + (int)Layout.HeldFaultOffset]);
        a.cmp(eax, InvalidOpcode);
        a.je(udAt);
        a.cmp(eax, GeneralProtection);
        a.je(gp);
        a.mov(rcx, Unmapped);
        a.Label(ref pfAt);
        a.mov(rax, __qword_ptr[rcx]);
        a.jmp(noFault);
        a.Label(ref gp);
        a.mov(rcx, NonCanonical);
        a.Label(ref gpAt);
        a.mov(rax, __qword_ptr[rcx]);
        a.jmp(noFault);
        a.Label(ref udAt);
        a.ud2();
        a.Label(ref noFault);
        EmitLog(a, HeldLogWhat.Fault, null);
        a.Label(ref resume);
        a.mov(__qword_ptr[rbx + (int)Layout.HeldFaultOffset], 0);
        a.jmp(spin);
        return [(udAt, resume), (gpAt, resume), (pfAt, resume)];
    }

    /// <summary>
    /// One log entry (RBX = the vCPU's block; clobbers RAX, RCX, RDX) of <paramref name="vector"/> (null: vector 0); a
    /// full log counts on and keeps its first entries. An arrival's TSC is also kept as the latest delivery's, which a
    /// storm of thousands reads when the log is long full.
    /// </summary>
    private static void EmitLog(Assembler a, HeldLogWhat what, AssemblerMemoryOperand? vector)
    {
        Label full = a.CreateLabel();
        ReadTsc(a);
        if (what == HeldLogWhat.Deliver)
        {
            a.mov(__qword_ptr[rbx + (int)Layout.HeldLastDeliveryOffset], rax);
        }

        a.mov(rdx, rax);
        a.mov(rcx, __qword_ptr[rbx + (int)Layout.HeldLogCountOffset]);
        a.cmp(rcx, Layout.HeldLogCapacity);
        a.jae(full);
        a.shl(rcx, 5); // HeldLogEntrySize
        a.lea(rcx, __[rbx + rcx + (int)Layout.HeldLogOffset]);
        a.mov(__qword_ptr[rcx + 8], rdx);
        a.mov(rax, __qword_ptr[rbx + (int)Layout.HeldDepthOffset]);
        a.shl(rax, 8);
        if (vector is { } at)
        {
            a.or(rax, at);
        }

        a.shl(rax, 8);
        a.or(rax, (int)what);
        a.mov(__qword_ptr[rcx], rax);
        a.mov(rax, __qword_ptr[rsp + RipAt]);
        a.mov(__qword_ptr[rcx + 16], rax);
        a.mov(rax, __qword_ptr[rsp + CsAt]);
        a.mov(__qword_ptr[rcx + 24], rax);
        a.Label(ref full);
        a.inc(__qword_ptr[rbx + (int)Layout.HeldLogCountOffset]);
    }

    private static void ReadTsc(Assembler a)
    {
        a.rdtsc();
        a.shl(rdx, 32);
        a.or(rax, rdx);
    }

    private static void PopSaved(Assembler a)
    {
        a.pop(rdx);
        a.pop(rcx);
        a.pop(rbx);
        a.pop(rax);
    }
}
