using Rig.Hypervisor.Tests.Guests;

namespace Rig.Hypervisor.Tests;

/// <summary>QMP's inject-nmi, through IVmControl: the NMI reaches the guest's vector-2 handler (SDM Vol. 3 6.7).</summary>
public sealed class NmiTests
{
    [RequiresKvmFact]
    public void Injected_nmi_reaches_vector_2_even_in_hlt_with_interrupts_off()
    {
        var code = GuestSnippets.New32();
        var halt = code.CreateLabel();
        code.InstallFlatGdtAndIdt();
        code.InstallGate(2, nmi =>
        {
            nmi.Print("nmi\n");
            nmi.DebugExit(2);
        });
        code.Print("ready\n");
        code.cli();
        code.Label(ref halt);
        code.hlt();
        code.jmp(halt);
        using var guest = new GuestVm(code);
        guest.Vm.Start();
        Assert.True(guest.WaitForCom1("ready\n", TimeSpan.FromSeconds(30)), $"the guest did not get ready: '{guest.Com1}'");

        guest.Vm.InjectNmi();

        Assert.Equal((2 << 1) | 1, guest.Vm.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal("ready\nnmi\n", guest.Com1);
    }
}
