using Rig.Hypervisor.Tests.Guests;
using Rig.Hypervisor.Vm;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Hypervisor.Tests;

/// <summary>Tiny guests booted from the PVH entry: the UART, isa-debug-exit, the PVH start state, CMOS across resets.</summary>
public sealed class VmBootTests
{
    [RequiresKvmFact]
    public void Hello_on_com1_then_debug_exit_code()
    {
        var code = GuestSnippets.New32();
        code.Print("hello\n");
        code.DebugExit(0x21);
        using var guest = new GuestVm(code);

        int exit = guest.Run();

        Assert.Equal("hello\n", guest.Com1);
        Assert.Equal((0x21 << 1) | 1, exit);
    }

    [RequiresKvmFact]
    public void Pvh_entry_has_ebx_pointing_at_start_info_with_its_magic()
    {
        // hvm_start_info.magic (Xen arch-x86/hvm/start_info.h) = 0x336ec578: exit 1 if [ebx] holds it, 2 if not.
        var code = GuestSnippets.New32();
        var bad = code.CreateLabel();
        code.cmp(__dword_ptr[ebx], 0x336E_C578);
        code.jne(bad);
        code.DebugExit(1);
        code.Label(ref bad);
        code.DebugExit(2);
        using var guest = new GuestVm(code);

        Assert.Equal((1 << 1) | 1, guest.Run());
    }

    [RequiresKvmFact]
    public void Cpuid_offers_kvm_leaves_at_0x40000000_and_xen_leaves_at_0x40000100()
    {
        // Exit value: bit 0 = "KVMK" in EBX of 0x40000000 (kvmclock's leaves), bit 1 = "XenV" in EBX of 0x40000100.
        var code = GuestSnippets.New32();
        code.xor(esi, esi);
        code.mov(eax, 0x4000_0000);
        code.cpuid();
        code.cmp(ebx, 0x4B4D_564B);
        code.sete(al);
        code.movzx(esi, al);
        code.mov(eax, 0x4000_0100);
        code.cpuid();
        code.cmp(ebx, 0x566E_6558);
        code.sete(al);
        code.shl(al, 1);
        code.or(eax, esi);
        code.mov(dx, GuestSnippets.DebugExitPort);
        code.@out(dx, al);
        code.hlt();
        using var guest = new GuestVm(code);

        Assert.Equal((3 << 1) | 1, guest.Run());
    }

    [RequiresKvmFact]
    public void Cmos_nvram_survives_resets_through_0xcf9()
    {
        // Boot n bumps CMOS byte 0x40; boots 1 and 2 reset through 0xCF9, boot 3 exits with the count.
        const byte Counter = 0x40;
        var code = GuestSnippets.New32();
        var done = code.CreateLabel();
        code.ReadCmos(Counter);
        code.inc(al);
        code.mov(bl, al);
        code.WriteCmos(Counter);
        code.cmp(bl, 3);
        code.jae(done);
        code.ResetViaCf9();
        code.Label(ref done);
        code.mov(al, bl);
        code.mov(dx, GuestSnippets.DebugExitPort);
        code.@out(dx, al);
        code.hlt();
        using var guest = new GuestVm(code);

        int exit = guest.Run();

        Assert.Equal((3 << 1) | 1, exit);
        Assert.Equal(2, guest.Events.Count(e => e.Name == "RESET"));
    }

    [RequiresKvmFact]
    public void Guest_that_never_ends_is_stopped_by_the_watchdog()
    {
        var code = GuestSnippets.New32();
        code.cli();
        code.hlt();
        using var guest = new GuestVm(code, watchdog: TimeSpan.FromMilliseconds(300));

        Assert.Equal(ExitCodes.Watchdog, guest.Run());
        Assert.Contains(guest.Events, e => e.Name == "SHUTDOWN" && Equals(e.Data["reason"], "watchdog"));
    }
}
