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

    /// <summary>Listens on <paramref name="socketPath"/> (<see cref="QmpListener.Bind"/>) and serves <paramref name="vm"/> there.</summary>
    public static QmpServer Start(string socketPath, IVmControl vm, TextWriter log) => Start(QmpListener.Bind(socketPath), vm, log);

    /// <summary>Serves <paramref name="vm"/> on a socket bound earlier, accepting the clients already waiting on it.</summary>
    public static QmpServer Start(QmpListener listener, IVmControl vm, TextWriter log) =>
        new(listener.Socket, listener.Path, vm, TextWriter.Synchronized(log));

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
