using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Rig.Probes.Host;

namespace Rig.Probes.Tests;

/// <summary>
/// The COM2 control channel (docs/protocol.md) end to end on QEMU TCG: COM2 is a Unix socket QEMU waits on
/// before starting the guest, this test plays the host and answers `host-time`.
/// </summary>
public sealed class ControlChannelTests
{
    [RequiresTargetFact("qemu-tcg")]
    public void SelfTestGetsTheHostTimeOverCom2()
    {
        string socketPath = Path.Combine(Path.GetTempPath(), $"rig-com2-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var start = new ProcessStartInfo(ProbeTarget.Qemu) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in ProbeTarget.QemuTcg.Arguments(Targets.Image("SelfTest"), 1, "control=1"))
        {
            start.ArgumentList.Add(a);
        }
        foreach (string a in new[] { "-chardev", $"socket,id=com2,path={socketPath},server=on,wait=on", "-device", "isa-serial,chardev=com2,iobase=0x2f8,irq=3" })
        {
            start.ArgumentList.Add(a);
        }
        using Process qemu = Process.Start(start)!;
        Task<string> com1 = qemu.StandardOutput.ReadToEndAsync();
        Task<string> stderr = qemu.StandardError.ReadToEndAsync();
        try
        {
            using Socket com2 = Connect(socketPath);
            string request = ReadLine(com2, TimeSpan.FromSeconds(30));
            Assert.Matches(@"^RIG-REQ \d+ host-time$", request);
            string seq = request.Split(' ')[1];
            com2.Send(Encoding.ASCII.GetBytes($"RIG-ACK {seq} ok mono_raw_ns=123456789\n"));
            Assert.True(qemu.WaitForExit(TimeSpan.FromSeconds(60)), "qemu did not exit");
            Assert.True(com1.Wait(TimeSpan.FromSeconds(10)));
            Assert.Contains("RIG ok self-test.control ack=ok host_ns=123456789", com1.Result.Split('\n'));
            Assert.True(qemu.ExitCode == 1, $"exit {qemu.ExitCode}\n{com1.Result}\n{(stderr.Wait(TimeSpan.FromSeconds(5)) ? stderr.Result : "")}");
        }
        finally
        {
            if (!qemu.HasExited)
            {
                qemu.Kill(entireProcessTree: true);
            }
            File.Delete(socketPath);
        }
    }

    private static Socket Connect(string path)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(path));
                return socket;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(20))
            {
                socket.Dispose();
                Thread.Sleep(50);
            }
        }
    }

    private static string ReadLine(Socket socket, TimeSpan timeout)
    {
        socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        var line = new StringBuilder();
        var one = new byte[1];
        while (socket.Receive(one) == 1 && one[0] != '\n')
        {
            line.Append((char)one[0]);
        }
        return line.ToString();
    }
}
