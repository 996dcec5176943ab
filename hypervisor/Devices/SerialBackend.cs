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
    private readonly ManualResetEventSlim _adopted = new();
    private Socket? _client;

    // How long a write waits for the accept thread to take a connection that has completed (it takes µs when it runs).
    private static readonly TimeSpan AdoptionBound = TimeSpan.FromSeconds(5);

    // How often the accept thread, waiting for a connection, looks whether the backend was disposed.
    private const int AcceptPollMicroseconds = 100_000;
    private volatile bool _disposed;

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
            if (_client is not null || !ConnectionPending())
            {
                SendLocked(value);
                return;
            }
        }

        // A client has connected and the accept thread, woken by the same poll, is about to adopt it (it takes µs).
        if (!_adopted.Wait(AdoptionBound))
        {
            return;
        }

        lock (_lock)
        {
            SendLocked(value);
        }
    }

    // Under the lock.
    private void SendLocked(byte value)
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

    // Under the lock: a connection has completed that nobody has accepted yet.
    private bool ConnectionPending()
    {
        try
        {
            return !_disposed && _listener!.Poll(0, SelectMode.SelectRead);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private void AcceptLoop()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                // Accepted under the lock once poll says a connection waits, so that Write never finds one taken from the
                // backlog but not yet adopted: it sees either the pending connection (and waits) or the adopted client.
                while (!_listener!.Poll(AcceptPollMicroseconds, SelectMode.SelectRead))
                {
                    if (_disposed)
                    {
                        return;
                    }
                }

                Socket client;
                lock (_lock)
                {
                    if (_disposed)
                    {
                        return;
                    }

                    client = _listener.Accept();
                    DropClient();
                    _client = client;
                    _adopted.Set();
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
        _adopted.Reset();
    }

    public void Dispose()
    {
        _disposed = true;
        _stream?.Dispose();
        _listener?.Dispose();
        lock (_lock)
        {
            DropClient();
        }
    }
}
