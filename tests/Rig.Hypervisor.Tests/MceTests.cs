using Rig.Hypervisor.Tests.Guests;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Hypervisor.Tests;

/// <summary>Host-injected machine checks (QMP/HMP mce, KVM_X86_SET_MCE) reach the guest's #MC handler without costing it another event.</summary>
public sealed class MceTests
{
    private const uint McgStatus = 0x17A, McgCtl = 0x17B, Mc0Ctl = 0x400;
    private const int Bank = 9;

    /// <summary>SDM Vol. 3B 16.3.2.2 IA32_MCi_STATUS: VAL, UC, EN, MISCV, ADDRV (nmi-mce.mce-banks' uncorrected error).</summary>
    private const ulong Uncorrected = 0xBC00_0000_0000_0134;

    /// <summary>MCG_STATUS of an uncorrected error the handler may resume from: RIPV and MCIP (16.3.1.2).</summary>
    private const ulong RipvMcip = 0x5;

    /// <summary>Where the guest's #MC handler counts its arrivals.</summary>
    private const uint MachineChecks = 0x5008;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The guest calls its CPL0 #BP handler with INT3 from CPL3 in a loop (the probes' gate) while the host injects
    /// uncorrected machine checks at random points, one at a time. KVM_X86_SET_MCE queues #MC with kvm_queue_exception,
    /// which replaces an exception KVM has queued and not yet delivered (x86.c kvm_multiple_exception: "in a hope that
    /// instruction re-execution will regenerate lost exception"); under kvm_pvm the #BP of an INT3 at CPL3 is queued with
    /// RIP already past the INT3, so nothing regenerates it: the gate call returned without its handler running, and
    /// nmi-mce.mce-banks' probe, polling COM2 for the injection's acknowledgement through that gate, read a corrupted
    /// line and waited past its case's bound (docs/notes/nmi-mce.md).
    /// </summary>
    [RequiresKvmFact]
    public void Machine_checks_injected_at_random_points_never_replace_a_breakpoint_the_guest_raised()
    {
        using var guest = new GuestVm(BreakpointLoopGuest.Build(TakeMachineChecks));
        guest.Vm.Start();
        Assert.True(guest.WaitForCom1("go\n", Bound), $"the guest did not start: '{guest.Com1}'");
        var random = new Random(1);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        int injected = 0;
        for (; DateTime.UtcNow < until && guest.Vm.WaitForExit(TimeSpan.Zero) is null; injected++)
        {
            uint before = guest.ReadUInt32(MachineChecks);
            guest.Vm.InjectMce(0, Bank, Uncorrected, RipvMcip, 0x7654_3000, 0x8C);

            // One at a time: a #MC while the last one's MCIP is still set shuts the processor down (16.3.1.2).
            Assert.True(GuestVm.WaitUntil(() => guest.ReadUInt32(MachineChecks) > before || guest.Vm.WaitForExit(TimeSpan.Zero) is not null, Bound),
                $"machine check {injected + 1} never reached the handler");
            Thread.SpinWait(random.Next(20_000));
        }

        Assert.True(guest.Vm.WaitForExit(TimeSpan.Zero) is null, $"after {injected} machine checks the guest ended: '{guest.Com1}'");
        uint calls = guest.ReadUInt32(BreakpointLoopGuest.Calls);
        Assert.True(GuestVm.WaitUntil(() => guest.ReadUInt32(BreakpointLoopGuest.Calls) > calls + 10, Bound), "the guest stopped calling its handler");
    }

    /// <summary>
    /// CPL0 set-up for uncorrected errors: an #MC handler that ends the machine check (MCG_STATUS = 0, as a handler that
    /// resumes must, 16.10) and counts it, preserving what it uses; MCG_CTL and the bank's MCi_CTL all ones, without which
    /// KVM drops an uncorrected error silently (x86.c kvm_vcpu_ioctl_x86_set_mce); CR4.MCE, without which #MC is a shutdown.
    /// </summary>
    private static void TakeMachineChecks(Iced.Intel.Assembler code)
    {
        code.InstallGate64(18, mc =>
        {
            mc.push(rax);
            mc.push(rcx);
            mc.push(rdx);
            mc.mov(ecx, McgStatus);
            mc.xor(eax, eax);
            mc.xor(edx, edx);
            mc.wrmsr();
            mc.inc(__dword_ptr[MachineChecks]);
            mc.pop(rdx);
            mc.pop(rcx);
            mc.pop(rax);
            mc.iretq();
        });
        code.mov(eax, -1);
        code.mov(edx, -1);
        code.mov(ecx, McgCtl);
        code.wrmsr();
        code.mov(ecx, Mc0Ctl + (4 * Bank));
        code.wrmsr();
        code.mov(rax, cr4);
        code.or(eax, 0x40);
        code.mov(cr4, rax);
    }
}
