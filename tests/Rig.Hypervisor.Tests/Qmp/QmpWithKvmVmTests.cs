using Rig.Hypervisor.Qmp;
using Rig.Hypervisor.Tests.Guests;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Hypervisor.Tests.Qmp;

/// <summary>The QMP server in front of a real <see cref="Vm.VirtualMachine"/>: what the rig sees when it drives rig-hv.</summary>
public sealed class QmpWithKvmVmTests
{
    [RequiresKvmFact]
    public async Task Stop_pmemsave_cont_and_quit_drive_a_running_guest()
    {
        byte[] image = SpinningGuest();
        string socketPath = Path.Combine(Path.GetTempPath(), $"rig-qmp-kvm-{Guid.NewGuid():N}.sock");
        string dump = Path.Combine(Path.GetTempPath(), $"rig-qmp-kvm-{Guid.NewGuid():N}.bin");
        using var guest = new GuestVm(image, o => o with { StayAfterGuestStop = true });
        await using var server = QmpServer.Start(socketPath, guest.Vm, TextWriter.Null);
        try
        {
            guest.Vm.Start();
            Assert.True(guest.WaitForCom1("up", TimeSpan.FromSeconds(30)), $"guest did not start; COM1: '{guest.Com1}'");
            using var client = await QmpTestClient.ConnectNegotiatedAsync(socketPath);

            var running = await client.ExecuteAsync("""{"execute": "query-status"}""");
            await client.SendAsync("""{"execute": "stop"}""" + "\n");
            var stopEvent = await client.ReadAsync();
            await client.ReadAsync();
            var paused = await client.ExecuteAsync("""{"execute": "query-status"}""");
            var saved = await client.ExecuteAsync(
                $$$"""{"execute": "pmemsave", "arguments": {"val": {{{PvhElf.LoadAddress}}}, "size": {{{image.Length}}}, "filename": "{{{dump}}}"}}""");
            var outsideRam = await client.ExecuteAsync(
                $$$"""{"execute": "pmemsave", "arguments": {"val": -4096, "size": 4096, "filename": "{{{dump}}}.2"}}""");
            await client.SendAsync("""{"execute": "quit", "id": "end"}""" + "\n");
            var shutdown = await client.ReadAsync();
            var quit = await client.ReadAsync();

            Assert.Equal("running", running.GetProperty("return").GetProperty("status").GetString());
            Assert.Equal("STOP", stopEvent.GetProperty("event").GetString());
            Assert.Equal("paused", paused.GetProperty("return").GetProperty("status").GetString());
            Assert.True(saved.TryGetProperty("return", out _), saved.ToString());
            Assert.Equal(image, await File.ReadAllBytesAsync(dump));
            Assert.Equal("GenericError", outsideRam.GetProperty("error").GetProperty("class").GetString());
            Assert.Equal("SHUTDOWN", shutdown.GetProperty("event").GetString());
            Assert.Equal("end", quit.GetProperty("id").GetString());
            Assert.NotNull(guest.Vm.WaitForExit(TimeSpan.FromSeconds(20)));
        }
        finally
        {
            File.Delete(dump);
            File.Delete(dump + ".2");
        }
    }

    [RequiresKvmFact]
    public async Task A_cont_executed_before_a_paused_VM_starts_its_vcpus_still_runs_the_guest()
    {
        // rig-hv -S attaches QMP before it starts the vCPU threads; the rig's cont can win that race.
        using var guest = new GuestVm(SpinningGuest(), o => o with { StayAfterGuestStop = true, StartPaused = true });
        string socketPath = Path.Combine(Path.GetTempPath(), $"rig-qmp-kvm-{Guid.NewGuid():N}.sock");
        await using var server = QmpServer.Start(socketPath, guest.Vm, TextWriter.Null);
        using var client = await QmpTestClient.ConnectNegotiatedAsync(socketPath);

        var cont = await client.ExecuteAsync("""{"execute": "cont"}""");
        guest.Vm.Start();

        Assert.True(cont.TryGetProperty("return", out _), cont.ToString());
        Assert.True(guest.WaitForCom1("up", TimeSpan.FromSeconds(30)), $"guest did not run after cont; COM1: '{guest.Com1}'");
        var status = await client.ExecuteAsync("""{"execute": "query-status"}""");
        Assert.Equal("running", status.GetProperty("return").GetProperty("status").GetString());
    }

    [RequiresKvmFact]
    public async Task A_paused_VM_runs_nothing_until_cont()
    {
        using var guest = new GuestVm(SpinningGuest(), o => o with { StayAfterGuestStop = true, StartPaused = true });
        string socketPath = Path.Combine(Path.GetTempPath(), $"rig-qmp-kvm-{Guid.NewGuid():N}.sock");
        await using var server = QmpServer.Start(socketPath, guest.Vm, TextWriter.Null);
        guest.Vm.Start();
        using var client = await QmpTestClient.ConnectNegotiatedAsync(socketPath);

        var paused = await client.ExecuteAsync("""{"execute": "query-status"}""");
        bool ranWhilePaused = guest.WaitForCom1("up", TimeSpan.FromSeconds(1));
        var cont = await client.ExecuteAsync("""{"execute": "cont"}""");

        Assert.Equal("paused", paused.GetProperty("return").GetProperty("status").GetString());
        Assert.False(ranWhilePaused, $"the guest ran before cont; COM1: '{guest.Com1}'");
        // CI once saw COM1 stay empty after cont (not reproduced in 19 runs): the reply and the VMM's log say why next time.
        Assert.True(guest.WaitForCom1("up", TimeSpan.FromSeconds(30)),
            $"guest did not run after cont ({cont}, state {guest.Vm.State}); COM1: '{guest.Com1}'; VMM log: '{guest.VmmLog}'");
    }

    /// <summary>Prints "up", then spins with interrupts off until stopped.</summary>
    private static byte[] SpinningGuest()
    {
        var code = GuestSnippets.New32();
        var spin = code.CreateLabel();
        code.Print("up");
        code.Label(ref spin);
        code.pause();
        code.jmp(spin);
        return PvhElf.Build(code);
    }
}
