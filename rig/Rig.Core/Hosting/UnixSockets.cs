using System.Net.Sockets;

namespace Rig.Hosting;

/// <summary>The two ways the rig meets a VMM's sockets: it listens and the VMM connects, or the VMM listens and the rig connects.</summary>
public static class UnixSockets
{
    /// <summary>Connects, retrying while the socket file does not exist yet or refuses (the VMM is still starting).</summary>
    public static async Task<Socket> ConnectAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                if (DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException($"nothing listening on {path} after {timeout.TotalSeconds:0.#} s", e);
                }

                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    public static Socket Listen(string path)
    {
        File.Delete(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(1);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task<Socket> AcceptAsync(Socket listener, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            return await listener.AcceptAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} did not connect within {timeout.TotalSeconds:0.#} s");
        }
    }
}
