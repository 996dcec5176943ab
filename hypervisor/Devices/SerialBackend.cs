using System.Net.Sockets;

namespace Rig.Hypervisor.Devices;

/// <summary>
/// Where a UART's bytes go, from a command-line spec: <c>-</c> (stdout), <c>unix:PATH</c> (a listening Unix socket as
/// QEMU's <c>-chardev socket,server=on,wait=off</c>: output is dropped while no client is connected, bytes a client
/// sends go to the UART's receiver), or a file path (created or truncated).
/// </summary>
public sealed class SerialBackend : IDisposable
{
    private readonly Stream? _stream;
    private readonly Socket? _listener;
    private readonly Action<ReadOnlyMemory<byte>>? _receive;
    private readonly Lock _lock = new();
    private Socket? _client;

    private SerialBackend(Stream stream) => _stream = stream;

    private SerialBackend(Socket listener, Action<ReadOnlyMemory<byte>> receive)
    {
        _listener = listener;
        _receive = receive;
        new Thread(AcceptLoop) { IsBackground = true, Name = "serial-accept" }.Start();
    }

    /// <param name="receive">gets bytes a socket client sends (called on a background thread).</param>
    public static SerialBackend Open(string spec, Action<ReadOnlyMemory<byte>> receive)
    {
        if (spec == "-")
        {
            return new SerialBackend(Console.OpenStandardOutput());
        }

        if (spec.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = spec["unix:".Length..];
            File.Delete(path);
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            return new SerialBackend(listener, receive);
        }

        return new SerialBackend(new FileStream(spec, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1));
    }

    public void Write(byte value)
    {
        if (_stream is { } stream)
        {
            stream.WriteByte(value);
            stream.Flush();
            return;
        }

        lock (_lock)
        {
            try
            {
                _client?.Send([value]);
            }
            catch (SocketException)
            {
                DropClient();
            }
        }
    }

    private void AcceptLoop()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var client = _listener!.Accept();
                lock (_lock)
                {
                    DropClient();
                    _client = client;
                }

                try
                {
                    int n;
                    while ((n = client.Receive(buffer)) > 0)
                    {
                        _receive!(buffer.AsMemory(0, n));
                    }
                }
                catch (SocketException)
                {
                    // The client went away; wait for the next one.
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The listener was closed: the VM is ending.
        }
    }

    private void DropClient()
    {
        _client?.Dispose();
        _client = null;
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _listener?.Dispose();
        lock (_lock)
        {
            DropClient();
        }
    }
}
