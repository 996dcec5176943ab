using Iced.Intel;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Tests.Guests;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Hypervisor.Tests;

/// <summary>
/// A booted guest leaves vector 0x40 in service (no EOI) with 0x41 held in IRR behind it, then resets through 0xCF9.
/// After RESET the LAPIC's ISR and IRR are clear (SDM Vol. 3 12.4.7.1); with the seeded defect stale-lapic-on-reset
/// (the class of seed 001) they are not.
/// </summary>
public sealed class LapicResetTests
{
    private const uint ApicBase = 0xFEE0_0000;
    private const uint Svr = ApicBase + 0xF0;
    private const uint IcrLow = ApicBase + 0x300;
    private const uint IsrVector40 = ApicBase + 0x100 + (0x10 * (0x40 / 32)); // bit 0
    private const uint IrrVector41 = ApicBase + 0x200 + (0x10 * (0x41 / 32)); // bit 1
    private const uint SelfIpiFixed = 1 << 18; // ICR destination shorthand "self", fixed delivery
    private const byte BootCounter = 0x42;
    private const byte HeldBackOk = 0x10;

    [RequiresKvmFact]
    public void Reset_clears_isr_and_irr()
    {
        // Exit value: bit 4 = boot 1 saw 0x41 held in IRR behind 0x40 in service; bit 0 = ISR 0x40 after reset; bit 1 = IRR 0x41 after reset.
        Assert.Equal(HeldBackOk, RunGuest(defects: []));
    }

    [RequiresKvmFact]
    public void Reset_with_defect_stale_lapic_keeps_isr_and_irr()
    {
        Assert.Equal(HeldBackOk | 0x3, RunGuest(defects: [DefectCatalog.StaleLapicOnReset]));
    }

    private static int RunGuest(IReadOnlyList<string> defects)
    {
        var code = GuestSnippets.New32();
        var secondBoot = code.CreateLabel();
        var spin = code.CreateLabel();
        code.InstallFlatGdtAndIdt();
        code.InstallGate(0x41, unexpected => unexpected.DebugExit(0x7E));
        code.InstallGate(0x40, handler =>
        {
            // In service at 0x40, no EOI: 0x41 is in the same priority class, so it must stay in IRR (SDM 12.8.3.1).
            handler.mov(__dword_ptr[IcrLow], SelfIpiFixed | 0x41);
            handler.sti();
            var wait = handler.CreateLabel();
            handler.mov(ecx, 50);
            handler.Label(ref wait);
            handler.nop();
            handler.loop(wait);
            handler.cli();
            handler.mov(eax, __dword_ptr[IrrVector41]);
            handler.shr(eax, 1);
            handler.and(eax, 1);
            handler.shl(eax, 4);
            handler.WriteCmos(BootCounter);
            handler.ResetViaCf9();
        });
        code.ReadCmos(BootCounter);
        code.test(al, HeldBackOk);
        code.jnz(secondBoot);
        code.mov(__dword_ptr[Svr], 0x1FF); // software-enable the LAPIC, spurious vector 0xFF
        code.sti();
        code.mov(__dword_ptr[IcrLow], SelfIpiFixed | 0x40);
        code.Label(ref spin);
        code.jmp(spin);

        code.Label(ref secondBoot);
        code.mov(bl, al);
        code.mov(eax, __dword_ptr[IsrVector40]);
        code.and(eax, 1);
        code.or(bl, al);
        code.mov(eax, __dword_ptr[IrrVector41]);
        code.and(eax, 2);
        code.or(bl, al);
        code.mov(al, bl);
        code.mov(dx, GuestSnippets.DebugExitPort);
        code.@out(dx, al);
        code.hlt();

        using var guest = new GuestVm(code, options => options with { Defects = defects });
        int exit = guest.Run();
        Assert.True((exit & 1) == 1, $"the guest ended without isa-debug-exit (status {exit}); COM1 '{guest.Com1}'");
        Assert.Single(guest.Events, e => e.Name == "RESET");
        return exit >> 1;
    }
}
