using Iced.Intel;
using Rig.Hypervisor.Tests.Guests;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Hypervisor.Tests;

/// <summary>x-rig snapshot save/revert through IVmControl: RAM and registers come back, and the guest goes on from there.</summary>
public sealed class SnapshotTests
{
    private const uint Counter = 0x5000;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [RequiresKvmFact]
    public void Revert_restores_memory_and_the_guest_continues_from_the_snapshot()
    {
        // The guest counts in RAM forever; after a revert the count is the snapshot's again, then grows from there.
        var code = GuestSnippets.New32();
        var loop = code.CreateLabel();
        code.Print("go\n");
        code.Label(ref loop);
        code.inc(__dword_ptr[Counter]);
        code.jmp(loop);
        using var guest = new GuestVm(code);
        guest.Vm.Start();
        Assert.True(guest.WaitForCom1("go\n", TimeSpan.FromSeconds(30)));
        Assert.True(GuestVm.WaitUntil(() => guest.ReadUInt32(Counter) > 10, Bound));

        guest.Vm.Stop();
        guest.Vm.SaveSnapshot("a");
        uint atSnapshot = guest.ReadUInt32(Counter);
        guest.Vm.Cont();
        Assert.True(GuestVm.WaitUntil(() => guest.ReadUInt32(Counter) > atSnapshot + 100, Bound));
        guest.Vm.Stop();

        guest.Vm.RevertSnapshot("a", calibrateDuring: false);
        Assert.Equal(atSnapshot, guest.ReadUInt32(Counter));
        guest.Vm.Cont();
        Assert.True(GuestVm.WaitUntil(() => guest.ReadUInt32(Counter) > atSnapshot, Bound));
        Assert.Equal(["a"], guest.Vm.Snapshots);
        Assert.Equal("go\n", guest.Com1);
    }

    /// <summary>
    /// The guest calls a CPL0 #BP handler with INT3 from CPL3 in a loop, the way the guest probes' gate does, while the
    /// host saves and reverts at random points. Under kvm_pvm a vCPU stopped between the #BP exit and the handler's
    /// delivery has RIP past the INT3 and the #BP queued in KVM, which KVM_GET_VCPU_EVENTS does not report (x86.c leaves
    /// soft exceptions out); a snapshot taken there resumed after the INT3 without the handler ever running.
    /// </summary>
    [RequiresKvmFact]
    public void Save_and_revert_at_random_points_never_lose_a_breakpoint_the_guest_raised()
    {
        using var guest = new GuestVm(BreakpointLoopGuest.Build());
        guest.Vm.Start();
        Assert.True(guest.WaitForCom1("go\n", TimeSpan.FromSeconds(30)), $"the guest did not start: '{guest.Com1}'");
        var random = new Random(1);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        int cycles = 0;
        for (; DateTime.UtcNow < until && guest.Vm.WaitForExit(TimeSpan.Zero) is null; cycles++)
        {
            guest.Vm.Stop();
            guest.Vm.SaveSnapshot("s");
            guest.Vm.RevertSnapshot("s", calibrateDuring: false);
            guest.Vm.Cont();
            Thread.SpinWait(random.Next(20_000));
        }

        Assert.True(guest.Vm.WaitForExit(TimeSpan.Zero) is null, $"after {cycles} save/revert cycles the guest ended: '{guest.Com1}'");
        uint before = guest.ReadUInt32(BreakpointLoopGuest.Calls);
        Assert.True(GuestVm.WaitUntil(() => guest.ReadUInt32(BreakpointLoopGuest.Calls) > before + 10, Bound), "the guest stopped calling its handler");
    }

    /// <summary>
    /// A snapshot holds every device, not only RAM and vCPUs: a PIT channel, the HPET and an IOAPIC route armed after the
    /// save, and a CMOS byte written then, are all as they were at the save after the revert.
    /// </summary>
    [RequiresKvmFact]
    public void Revert_undoes_device_programming_done_after_the_save()
    {
        var code = GuestSnippets.New32();
        code.cli();
        code.hlt();
        using var guest = new GuestVm(code);
        guest.Vm.Start();
        guest.Vm.Stop();
        var chipset = guest.Vm.InterruptControllers!;
        guest.Vm.SaveSnapshot("clean");
        uint pitStatus = PitStatus(chipset.Pit);

        chipset.Pit.Write(0x43, 1, 0x34); // channel 0, rate generator, count 1000
        chipset.Pit.Write(0x40, 1, 1000 & 0xFF);
        chipset.Pit.Write(0x40, 1, 1000 >> 8);
        chipset.Hpet.Write(0x010, 4, 1);
        chipset.IoApic.Write(0x00, 4, 0x10 + (2 * 4));
        chipset.IoApic.Write(0x10, 4, 0x40);
        guest.Vm.Cmos.Write(0x70, 1, 0x40);
        guest.Vm.Cmos.Write(0x71, 1, 0x5A);
        Assert.NotEqual(pitStatus, PitStatus(chipset.Pit));
        guest.Vm.RevertSnapshot("clean", calibrateDuring: false);

        Assert.Equal(pitStatus, PitStatus(chipset.Pit));
        Assert.Equal(0UL, chipset.Hpet.Read(0x010, 8));
        Assert.Equal(1UL << 16, chipset.IoApic.RedirectionEntry(4));
        Assert.Equal(0, guest.Vm.Cmos[0x40]);
    }

    [RequiresKvmFact]
    public void Reverting_an_unknown_snapshot_is_a_qmp_error()
    {
        var code = GuestSnippets.New32();
        code.cli();
        code.hlt();
        using var guest = new GuestVm(code);
        guest.Vm.Start();

        var e = Assert.Throws<Rig.Hypervisor.Qmp.VmControlException>(() => guest.Vm.RevertSnapshot("nope", calibrateDuring: false));
        Assert.Equal("GenericError", e.ErrorClass);
    }

    /// <summary>Channel 0's status byte by the 8254 read-back command (status only): OUT, null count, access mode, mode, BCD.</summary>
    private static uint PitStatus(Rig.Hypervisor.Irq.Pit8254 pit)
    {
        pit.Write(0x43, 1, 0xE2);
        return pit.Read(0x40, 1);
    }
}
