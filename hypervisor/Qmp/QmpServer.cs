using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Rig.Hypervisor.Qmp;

/// <summary>
/// rig-hv's control plane: a QMP server on a Unix socket that behaves like QEMU 7.2's, so the rig drives rig-hv and QEMU
/// with one client. Any number of clients may connect; each gets every event once it has negotiated.
/// <code>
/// await using var server = QmpServer.Start("/run/vm.qmp", vm, Console.Error);
/// // ... vm runs; quit arrives via QMP ...
/// // DisposeAsync flushes pending replies (at most ~1 s per client), closes clients and removes the socket file.
/// </code>
/// </summary>
public sealed class QmpServer : IAsyncDisposable
{
    private static readonly TimeSpan CommandDrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly string _socketPath;
    private readonly IVmControl _vm;
    private readonly TextWriter _log;
    private readonly QmpCommands _commands;
    private readonly SemaphoreSlim _commandGate = new(1, 1);
    private readonly ConcurrentDictionary<QmpSession, Task> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _clientsSeen;

    private QmpServer(Socket listener, string socketPath, IVmControl vm, TextWriter log)
    {
        _listener = listener;
        _socketPath = socketPath;
        _vm = vm;
        _log = log;
        _commands = new QmpCommands(vm);
        vm.Event += Broadcast;
        Completion = AcceptLoopAsync();
    }

    /// <summary>Ends when the server has been disposed (or, faulted, if accepting clients failed).</summary>
    public Task Completion { get; }

    /// <summary>
    /// Listens on <paramref name="socketPath"/>, replacing whatever file is there as QEMU does (util/qemu-sockets.c unlinks
    /// the path before bind). Throws <see cref="SocketException"/> if the socket cannot be bound (path too long, no directory)
    /// and <see cref="IOException"/> if what is at the path cannot be removed.
    /// </summary>
    public static QmpServer Start(string socketPath, IVmControl vm, TextWriter log)
    {
        try
        {
            File.Delete(socketPath);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"QMP socket path {socketPath}: {e.Message}", e);
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(backlog: 16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new QmpServer(listener, socketPath, vm, TextWriter.Synchronized(log));
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _vm.Event -= Broadcast;
        _stopping.Cancel();
        _listener.Dispose();
        try
        {
            await Completion;
        }
        catch (SocketException e)
        {
            _log.WriteLine($"qmp: accept failed: {e.Message}");
        }

        // Taking the gate waits out a command in flight (quit, typically), whose reply is then queued; it is never given
        // back, so no command starts on a closing server.
        if (!await _commandGate.WaitAsync(CommandDrainTimeout))
        {
            _log.WriteLine($"qmp: a command was still running after {CommandDrainTimeout.TotalSeconds:F0} s; closing anyway");
        }

        await Task.WhenAll(_sessions.Keys.Select(session => session.FlushAndCloseAsync()));
        await Task.WhenAll(_sessions.Values);
        File.Delete(_socketPath);
    }

    private async Task AcceptLoopAsync()
    {
        var greeting = QmpReplies.Greeting();
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (_stopping.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            int number = Interlocked.Increment(ref _clientsSeen);
            _log.WriteLine($"qmp: client {number} connected");
            var session = new QmpSession(client, _commands, _commandGate, _log, number);
            _sessions[session] = RunSessionAsync(session, greeting);
        }
    }

    private async Task RunSessionAsync(QmpSession session, byte[] greeting)
    {
        await Task.Yield();
        try
        {
            await session.RunAsync(greeting);
        }
        finally
        {
            _sessions.TryRemove(session, out _);
        }
    }

    /// <summary>Called on whatever thread the VM raises the event on; only queues, never blocks on a client.</summary>
    private void Broadcast(VmEvent vmEvent)
    {
        var message = QmpReplies.Event(vmEvent, DateTimeOffset.UtcNow);
        foreach (var session in _sessions.Keys)
        {
            if (session.ReceivesEvents)
            {
                session.Send(message);
            }
        }
    }
}
