using System.Net.Sockets;
using System.Text;
using Rig.Hypervisor.Qmp;
using Rig.Hypervisor.Tests.Guests;

namespace Rig.Hypervisor.Tests;

/// <summary>QMP's inject-nmi, through IVmControl and through the QMP socket: the NMI reaches the guest's vector-2 handler (SDM Vol. 3 6.7).</summary>
public sealed class NmiTests
{
    [RequiresKvmFact]
    public void Injected_nmi_reaches_vector_2_even_in_hlt_with_interrupts_off()
    {
        using var guest = new GuestVm(NmiGuest());
        guest.Vm.Start();
        Assert.True(guest.WaitForCom1("ready\n", TimeSpan.FromSeconds(30)), $"the guest did not get ready: '{guest.Com1}'");

        guest.Vm.InjectNmi();

        Assert.Equal((2 << 1) | 1, guest.Vm.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal("ready\nnmi\n", guest.Com1);
    }

    [RequiresKvmFact]
    public async Task Inject_nmi_over_the_qmp_socket_reaches_vector_2()
    {
        string socketPath = Path.Combine(Path.GetTempPath(), $"rig-hv-nmi-{Environment.ProcessId}-{Guid.NewGuid():N}.qmp");
        using var guest = new GuestVm(NmiGuest());
        await using var server = QmpServer.Start(socketPath, guest.Vm, TextWriter.Null);
        guest.Vm.Start();
        Assert.True(guest.WaitForCom1("ready\n", TimeSpan.FromSeconds(30)), $"the guest did not get ready: '{guest.Com1}'");
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token);
        using var reader = new StreamReader(new NetworkStream(client), Encoding.UTF8);

        Assert.Contains("\"QMP\"", await reader.ReadLineAsync(timeout.Token));
        await client.SendAsync("{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"inject-nmi\"}\n"u8.ToArray(), timeout.Token);
        Assert.Contains("\"return\"", await reader.ReadLineAsync(timeout.Token));
        Assert.Contains("\"return\"", await reader.ReadLineAsync(timeout.Token));

        Assert.Equal((2 << 1) | 1, guest.Vm.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal("ready\nnmi\n", guest.Com1);
    }

    private static Iced.Intel.Assembler NmiGuest()
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
        return code;
    }
}
