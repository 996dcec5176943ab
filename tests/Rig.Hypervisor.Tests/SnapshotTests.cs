using Rig.Hypervisor.Tests.Guests;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Hypervisor.Tests;

/// <summary>x-rig snapshot save/revert through IVmControl: RAM and registers come back, and the guest goes on from there.</summary>
public sealed class SnapshotTests
{
    private const uint Counter = 0x5000;

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
        Assert.True(WaitUntil(() => ReadCounter(guest) > 10));

        guest.Vm.Stop();
        guest.Vm.SaveSnapshot("a");
        uint atSnapshot = ReadCounter(guest);
        guest.Vm.Cont();
        Assert.True(WaitUntil(() => ReadCounter(guest) > atSnapshot + 100));
        guest.Vm.Stop();

        guest.Vm.RevertSnapshot("a");
        Assert.Equal(atSnapshot, ReadCounter(guest));
        guest.Vm.Cont();
        Assert.True(WaitUntil(() => ReadCounter(guest) > atSnapshot));
        Assert.Equal(["a"], guest.Vm.Snapshots);
        Assert.Equal("go\n", guest.Com1);
    }

    [RequiresKvmFact]
    public void Reverting_an_unknown_snapshot_is_a_qmp_error()
    {
        var code = GuestSnippets.New32();
        code.cli();
        code.hlt();
        using var guest = new GuestVm(code);
        guest.Vm.Start();

        var e = Assert.Throws<Rig.Hypervisor.Qmp.VmControlException>(() => guest.Vm.RevertSnapshot("nope"));
        Assert.Equal("GenericError", e.ErrorClass);
    }

    private static uint ReadCounter(GuestVm guest)
    {
        Span<byte> bytes = stackalloc byte[4];
        guest.Vm.ReadMemory(Counter, bytes);
        return BitConverter.ToUInt32(bytes);
    }

    private static bool WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(5);
        }

        return true;
    }
}
