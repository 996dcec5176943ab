using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Hypervisor.Tests.Guests;

/// <summary>
/// A 64-bit guest that calls a CPL0 #BP handler with INT3 from CPL3 in a loop, the way the guest probes' gate does
/// (guest-probes/Runtime/GateOp.cs): RAX = 1, INT3 through a DPL3 gate (SDM 6.12.1.1), the handler clears RAX and
/// IRETQs, and the call is counted at <see cref="Calls"/>. RAX still 1 after the INT3 means the handler was skipped: the
/// guest prints "lost" and exits with 3. Under kvm_pvm an INT3 at CPL3 exits with RIP already past it and the #BP only
/// queued in KVM, so whatever drops that queued #BP (a snapshot's restore, another exception queued over it) shows here.
/// </summary>
internal static class BreakpointLoopGuest
{
    /// <summary>Where the guest counts the calls that reached the handler (a 32-bit counter).</summary>
    public const uint Calls = 0x5000;

    public const int LostExitCode = 3;

    private const byte BreakpointVector = 3;

    /// <param name="atCpl0">more CPL0 set-up (gates, MSRs) before the guest drops to CPL3; may clobber RAX, RCX, RDX.</param>
    public static byte[] Build(Action<Assembler>? atCpl0 = null)
    {
        var boot = GuestSnippets.New32();
        boot.EnterLongMode();
        var code = new Assembler(64);
        var loop = code.CreateLabel();
        var lost = code.CreateLabel();
        code.InitLongMode();
        code.InstallGate64(BreakpointVector, bp =>
        {
            bp.xor(eax, eax);
            bp.iretq();
        });
        code.mov(__byte_ptr[GuestSnippets.IdtAddress + (16 * BreakpointVector) + 5], 0xEE);
        code.InstallGate64(13, gp => gp.DebugExit(2));
        atCpl0?.Invoke(code);
        code.Print("go\n");
        code.EnterUserMode64();
        code.nop(); // EnterUserMode64 ends on its own label
        code.Label(ref loop);
        code.mov(eax, 1);
        code.int3();
        code.test(eax, eax);
        code.jnz(lost);
        code.inc(__dword_ptr[Calls]);
        code.jmp(loop);
        code.Label(ref lost);
        code.Print("lost\n");
        code.DebugExit(LostExitCode);
        return PvhElf.Build(boot, code);
    }
}
