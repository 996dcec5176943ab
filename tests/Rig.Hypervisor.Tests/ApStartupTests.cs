using Rig.Hypervisor.Tests.Guests;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Hypervisor.Tests;

/// <summary>APs wait for INIT-SIPI-SIPI (SDM Vol. 3 10.4.4) and then start in real mode at the SIPI vector's page.</summary>
public sealed class ApStartupTests
{
    private const byte StartupVector = 0x20; // the AP starts at 0x20000 in real mode

    [RequiresKvmFact]
    public void Ap_starts_in_real_mode_at_the_sipi_page_after_init_sipi_sipi()
    {
        // Real-mode code for the AP: mov al,'A'; mov dx,0x3F8; out dx,al; mov al,7; out 0xF4,al; hlt
        byte[] apCode = [0xB0, 0x41, 0xBA, 0xF8, 0x03, 0xEE, 0xB0, 0x07, 0xE6, 0xF4, 0xF4, 0x90];
        var code = GuestSnippets.New32();
        for (int i = 0; i < apCode.Length; i += 4)
        {
            code.mov(__dword_ptr[(StartupVector << 12) + (uint)i], BitConverter.ToUInt32(apCode, i));
        }

        code.StartApThenHalt(StartupVector, sipis: 2);
        using var guest = new GuestVm(code, options => options with { Vcpus = 2 });

        Assert.Equal((7 << 1) | 1, guest.Run());
        Assert.Equal("A", guest.Com1);
    }
}
