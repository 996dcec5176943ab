using System.Net.Sockets;

namespace Rig.Hypervisor.Qmp;

/// <summary>
/// QMP's listening socket, bound before there is a VM to serve: rig-hv binds it with the COM sockets, before building
/// the VM, so that a controller's connect succeeds at once (the connection waits in the backlog until the server accepts
/// it and sends the greeting) rather than failing until the VM is built; the rig retries a failed connect every 10 ms.
/// <see cref="QmpServer.Start(QmpListener, IVmControl, TextWriter)"/> takes it over; disposed before that, it closes the
/// socket and removes the file.
/// </summary>
public sealed class QmpListener : IDisposable
{
    private QmpListener(Socket socket, string path)
    {
        Socket = socket;
        Path = path;
    }

    public string Path { get; }

    internal Socket Socket { get; }

    /// <summary>
    /// Listens on <paramref name="socketPath"/>, replacing whatever file is there as QEMU does (util/qemu-sockets.c unlinks
    /// the path before bind). Throws <see cref="SocketException"/> if the socket cannot be bound (path too long, no directory)
    /// and <see cref="IOException"/> if what is at the path cannot be removed.
    /// </summary>
    public static QmpListener Bind(string socketPath)
    {
        try
        {
            File.Delete(socketPath);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"QMP socket path {socketPath}: {e.Message}", e);
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            socket.Listen(backlog: 16);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new QmpListener(socket, socketPath);
    }

    public void Dispose()
    {
        Socket.Dispose();
        File.Delete(Path);
    }
}
