using System.Net.Sockets;
using Rig.Hypervisor.Devices;

namespace Rig.Hypervisor.Tests.Devices;

/// <summary>The PC devices without a VM: UART registers, CMOS NVRAM, reset triggers, the port bus for unbacked ports, the Unix-socket serial backend.</summary>
public sealed class PcDeviceTests
{
    [Fact]
    public void Uart_transmits_thr_and_reports_received_bytes_in_lsr()
    {
        var sent = new List<byte>();
        var uart = new Uart16550(0x3F8, sent.Add);

        uart.Write(0x3F8, 1, 'A');
        Assert.Equal("A"u8.ToArray(), sent);
        Assert.Equal(0x60u, uart.Read(0x3FD, 1)); // THRE|TEMT, no data ready

        uart.Receive("hi"u8);
        Assert.Equal(0x61u, uart.Read(0x3FD, 1));
        Assert.Equal((uint)'h', uart.Read(0x3F8, 1));
        Assert.Equal((uint)'i', uart.Read(0x3F8, 1));
        Assert.Equal(0x60u, uart.Read(0x3FD, 1));
    }

    [Fact]
    public void Uart_dlab_switches_offsets_0_and_1_to_the_divisor_latch()
    {
        var sent = new List<byte>();
        var uart = new Uart16550(0x2F8, sent.Add);

        uart.Write(0x2FB, 1, 0x80); // LCR.DLAB
        uart.Write(0x2F8, 1, 0x0C);
        uart.Write(0x2F9, 1, 0x00);
        uart.Write(0x2FB, 1, 0x03);

        Assert.Empty(sent);
        uart.Write(0x2FB, 1, 0x83);
        Assert.Equal(0x0Cu, uart.Read(0x2F8, 1));
    }

    [Fact]
    public void Cmos_keeps_nvram_and_refuses_writes_to_status_c_and_d()
    {
        var cmos = new CmosRtc();

        cmos.Write(0x70, 1, 0x80 | 0x40); // bit 7 is the NMI mask, not part of the index
        cmos.Write(0x71, 1, 0x5A);
        cmos.Write(0x70, 1, 0x0D);
        cmos.Write(0x71, 1, 0x00);

        Assert.Equal(0x5A, cmos[0x40]);
        Assert.Equal(0x80, cmos[0x0D]);
        cmos.Write(0x70, 1, 0x40);
        Assert.Equal(0x5Au, cmos.Read(0x71, 1));
    }

    [Theory]
    [InlineData(0xCF9, 0x06, true)]
    [InlineData(0xCF9, 0x02, false)]
    [InlineData(0x64, 0xFE, true)]
    [InlineData(0x64, 0xD1, false)]
    public void Reset_control_and_8042_pulse_reset(int port, int value, bool resets)
    {
        var reasons = new List<string>();
        var reset = new ResetControl(reasons.Add);

        reset.Write((ushort)port, 1, (uint)value);

        Assert.Equal(resets ? 1 : 0, reasons.Count);
    }

    [Fact]
    public void Unbacked_ports_read_all_ones_and_are_logged_once_each()
    {
        var log = new List<string>();
        var bus = new PortBus(log.Add);

        Assert.Equal(0xFFu, bus.Read(0x123, 1));
        Assert.Equal(0xFFFFu, bus.Read(0x123, 2));
        Assert.Equal(uint.MaxValue, bus.Read(0x123, 4));
        bus.Write(0x124, 1, 0);

        Assert.Equal(2, log.Count);
    }

    [Fact]
    public void Debug_exit_status_is_value_shifted_left_plus_one()
    {
        int status = -1;
        new DebugExitDevice(s => status = s).Write(DebugExitDevice.Port, 1, 0x21);

        Assert.Equal(0x43, status);
    }

    [Fact]
    public async Task Unix_socket_backend_sends_output_to_the_client_and_client_bytes_to_the_uart()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rig-hv-serial-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var backend = SerialBackend.Open($"unix:{path}", bytes => received.TrySetResult(bytes.ToArray()));
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token);

        await client.SendAsync("in"u8.ToArray(), timeout.Token);
        Assert.Equal("in"u8.ToArray(), await received.Task.WaitAsync(timeout.Token));

        // The client's bytes arrived, so the backend has adopted it: output now goes to it.
        backend.Write((byte)'o');
        var buffer = new byte[1];
        Assert.Equal(1, await client.ReceiveAsync(buffer, timeout.Token));
        Assert.Equal((byte)'o', buffer[0]);
    }

    [Fact]
    public async Task A_byte_written_as_soon_as_a_client_has_connected_reaches_it()
    {
        // The rig connects, then lets the guest run (QMP cont); the guest's first byte may come before the backend's accept
        // thread has taken the connection. Many fresh backends, so that the race is run, not hoped for.
        for (int round = 0; round < 500; round++)
        {
            string path = Path.Combine(Path.GetTempPath(), $"rig-hv-serial-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
            using var backend = SerialBackend.Open($"unix:{path}", _ => { });
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await client.ConnectAsync(new UnixDomainSocketEndPoint(path), timeout.Token);

            backend.Write((byte)'R');
            var buffer = new byte[1];
            var receive = client.ReceiveAsync(buffer, timeout.Token).AsTask();
            Assert.True(await Task.WhenAny(receive, Task.Delay(TimeSpan.FromSeconds(20))) == receive, $"round {round}: the byte written after the connect was lost");
            Assert.Equal((byte)'R', buffer[0]);
        }
    }
}
