using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Rig.Tests.Faults;

/// <summary>
/// A VMM that misbehaves on purpose, started by the real rig as a `reference`-kind target (rig-hv's command line:
/// <c>--qmp/--com1/--com2 unix:PATH</c>, listening; <c>--list-defects</c>, <c>--version</c>), so the rig's handling of a
/// hostile VMM or guest is tested end to end in a second or two, with no KVM exits or UART emulation in the way.
/// <c>--fault</c> (from the target's extraArgs) says how it behaves:
/// <list type="bullet">
/// <item><c>ok</c>: prints a boot line and <c>RIG ok self-test.fake</c>, exits as a probe with status 0 would.</item>
/// <item><c>hang</c>: prints a boot line and waits forever (a case for the rig to interrupt).</item>
/// <item><c>qmp-close</c>: asks on COM2 for an NMI, then closes QMP in the middle of the reply to <c>inject-nmi</c> and runs on.</item>
/// <item><c>com1-garbage</c>: 16 MiB of random bytes on COM1 (NUL, 0xFF, CR, LF among them), then the ok line, then exits.</item>
/// <item><c>com1-long-line</c>: one 10 MiB line that carries a forged <c>RIG ok self-test.forged</c> at its 64 KiB boundary, then the ok line.</item>
/// </list>
/// </summary>
public static class FakeVmm
{
    public const string Verb = "fake-vmm";
    public const string OkLine = "RIG ok self-test.fake";
    public const int GarbageBytes = 16 * 1024 * 1024;
    public const int LongLineBytes = 10 * 1024 * 1024;

    public static int Run(string[] args)
    {
        if (args.Contains("--list-defects"))
        {
            return 0;
        }

        if (args.Contains("--version"))
        {
            Console.WriteLine("fake-vmm (Rig.Tests)");
            return 0;
        }

        var fault = Value(args, "--fault");
        var listeners = new[] { "--com1", "--com2", "--qmp" }.Select(flag => Listen(Value(args, flag))).ToArray();
        var accepted = listeners.Select(l => l.AcceptAsync()).ToArray();
        Task.WaitAll(accepted, TimeSpan.FromSeconds(60));
        using var com1 = new NetworkStream(accepted[0].Result, ownsSocket: true);
        using var com2 = new NetworkStream(accepted[1].Result, ownsSocket: true);
        var qmp = new NetworkStream(accepted[2].Result, ownsSocket: true);
        // Like rig-hv, the guest runs once the rig holds QMP: a guest that ended first would read as a failed start.
        using var capabilities = new ManualResetEventSlim();
        _ = Task.Run(() => ServeQmp(qmp, fault, capabilities));
        capabilities.Wait(TimeSpan.FromSeconds(60));

        Write(com1, "RIG boot n=1 cpus=1\n");
        switch (fault)
        {
            case "ok":
                break;
            case "hang" or "qmp-close":
                if (fault == "qmp-close")
                {
                    Write(com2, "RIG-REQ 1 nmi\n");
                }

                Thread.Sleep(Timeout.Infinite);
                break;
            case "com1-garbage":
                var random = new Random(21);
                var chunk = new byte[64 * 1024];
                for (var sent = 0; sent < GarbageBytes; sent += chunk.Length)
                {
                    random.NextBytes(chunk);
                    com1.Write(chunk);
                }

                Write(com1, "\n");
                break;
            case "com1-long-line":
                // Spaces pad the forgery to the next 64 KiB boundary, so a reader that delivered an over-long line in
                // 64 KiB pieces would parse a clean record from its second piece.
                var line = new StringBuilder(LongLineBytes).Append('x', 64 * 1024).Append("RIG ok self-test.forged");
                line.Append(' ', (128 * 1024) - line.Length).Append('x', LongLineBytes - (128 * 1024));
                Write(com1, line.Append('\n').ToString());
                break;
            default:
                Console.Error.WriteLine($"fake-vmm: unknown --fault '{fault}'");
                return 2;
        }

        Write(com1, OkLine + "\n");

        // isa-debug-exit's (v << 1) | 1 for status 0 (docs/protocol.md "Exit").
        return 1;
    }

    /// <summary>Answers every command with an empty return, as rig-hv's QMP does; <c>quit</c> ends the process.</summary>
    private static void ServeQmp(NetworkStream qmp, string fault, ManualResetEventSlim capabilities)
    {
        using var reader = new StreamReader(qmp, Encoding.ASCII);
        Write(qmp, """{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}, "package": "fake-vmm"}, "capabilities": []}}""" + "\n");
        while (reader.ReadLine() is { } line)
        {
            using var command = JsonDocument.Parse(line);
            var name = command.RootElement.GetProperty("execute").GetString();
            var id = command.RootElement.GetProperty("id").GetInt64();
            if (name == "quit")
            {
                Environment.Exit(0);
            }

            if (fault == "qmp-close" && name == "inject-nmi")
            {
                // Half a reply, then the socket goes: a monitor thread that died mid-write.
                Write(qmp, """{"return": """);
                qmp.Socket.Close();
                return;
            }

            Write(qmp, string.Create(CultureInfo.InvariantCulture, $$"""{"return": {}, "id": {{id}}}""") + "\n");
            if (name == "qmp_capabilities")
            {
                capabilities.Set();
            }
        }
    }

    private static Socket Listen(string address)
    {
        var path = address.StartsWith("unix:", StringComparison.Ordinal) ? address["unix:".Length..] : address;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(1);
        return socket;
    }

    private static string Value(string[] args, string flag)
    {
        var i = Array.IndexOf(args, flag);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"fake-vmm: {flag} missing");
    }

    private static void Write(Stream stream, string text)
    {
        stream.Write(Encoding.ASCII.GetBytes(text));
        stream.Flush();
    }
}
