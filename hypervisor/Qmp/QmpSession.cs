using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Rig.Hypervisor.Qmp;

/// <summary>
/// One connected client: greeting, capabilities negotiation, then commands and events until it hangs up.
/// Replies and events go through one bounded queue drained by a writer task, so the VM raising an event never waits on a
/// slow or vanished client; a client that lets the queue fill is disconnected rather than allowed to grow it.
/// </summary>
internal sealed class QmpSession
{
    private const int OutgoingCapacity = 4096;
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly QmpCommands _commands;
    private readonly SemaphoreSlim _commandGate;
    private readonly TextWriter _log;
    private readonly int _number;
    private readonly Channel<byte[]> _outgoing = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(OutgoingCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly CancellationTokenSource _closed = new();
    private Task _writer = Task.CompletedTask;
    private volatile bool _negotiated;
    private volatile bool _flushing;

    public QmpSession(Socket socket, QmpCommands commands, SemaphoreSlim commandGate, TextWriter log, int number)
    {
        _socket = socket;
        _commands = commands;
        _commandGate = commandGate;
        _log = log;
        _number = number;
    }

    /// <summary>Events go only to clients past negotiation, as QEMU's monitor_qapi_event_emit does.</summary>
    public bool ReceivesEvents => _negotiated;

    public async Task RunAsync(byte[] greeting)
    {
        _writer = WriteLoopAsync();
        Send(greeting);
        try
        {
            await ReadLoopAsync();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the server is closing: nothing to answer.
        }

        await FlushAndCloseAsync();
        _log.WriteLine($"qmp: client {_number} disconnected");
    }

    /// <summary>Sends what is queued (for at most a second: the client may not be reading), then closes.</summary>
    public async Task FlushAndCloseAsync()
    {
        _flushing = true;
        _outgoing.Writer.TryComplete();
        await Task.WhenAny(_writer, Task.Delay(FlushTimeout));
        Close();
        await _writer;
    }

    /// <summary>Queues one message; a client whose queue is full has stopped reading and is dropped.</summary>
    public void Send(byte[] message)
    {
        if (!_outgoing.Writer.TryWrite(message) && !_flushing && !_closed.IsCancellationRequested)
        {
            _log.WriteLine($"qmp: client {_number} stopped reading ({OutgoingCapacity} messages queued); disconnecting it");
            Close();
        }
    }

    /// <summary>Ends the session: reads and writes stop, the socket closes.</summary>
    public void Close()
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        _closed.Cancel();
        _outgoing.Writer.TryComplete();
        _socket.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var framer = new QmpInputFramer();
        var buffer = new byte[4096];
        while (true)
        {
            int read = await _socket.ReceiveAsync(buffer, SocketFlags.None, _closed.Token);
            if (read == 0)
            {
                return;
            }

            foreach (var frame in framer.Push(buffer.AsSpan(0, read)))
            {
                if (frame.Error is { } error)
                {
                    Send(QmpReplies.Error(QmpError.Generic(error), null));
                }
                else
                {
                    await HandleAsync(frame.Text);
                }
            }
        }
    }

    /// <summary>Runs one request and queues its reply.</summary>
    private async Task HandleAsync(byte[] text)
    {
        var (request, parseError, id) = QmpRequest.Parse(text);
        if (request is null)
        {
            Send(QmpReplies.Error(parseError!, id));
            return;
        }

        // Commands run one at a time across all clients, as on QEMU's main loop, so a client never sees another's command
        // half done. The command runs to its end even if this client vanishes meanwhile: the VM is never left half-changed.
        // The reply is queued before the gate opens, so a server shutting down (which takes the gate) still sends it.
        await _commandGate.WaitAsync(_closed.Token);
        try
        {
            Send(Execute(request, id));
        }
        finally
        {
            _commandGate.Release();
        }
    }

    private byte[] Execute(QmpRequest request, JsonElement? id)
    {
        try
        {
            return QmpReplies.Return(Negotiate(request), id);
        }
        catch (QmpError e)
        {
            return QmpReplies.Error(e, id);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A fault in the VM's handling of one command must not take the control plane down with it.
            _log.WriteLine($"qmp: client {_number}: {request.Command} failed: {e}");
            return QmpReplies.Error(QmpError.Generic($"internal error in {request.Command}: {e.Message}"), id);
        }
    }

    /// <summary>QEMU's two command sets (monitor/qmp.c): only qmp_capabilities before negotiation, everything but it after.</summary>
    private object? Negotiate(QmpRequest request)
    {
        bool isCapabilities = request.Command == QmpCommands.Capabilities;
        if (!_negotiated && !isCapabilities)
        {
            throw new QmpError(QmpError.CommandNotFound, "Expecting capabilities negotiation with 'qmp_capabilities'");
        }

        if (_negotiated && isCapabilities)
        {
            throw new QmpError(QmpError.CommandNotFound, "Capabilities negotiation is already complete, command ignored");
        }

        var result = _commands.Execute(request);
        _negotiated = true;
        return result;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(_closed.Token))
            {
                for (int sent = 0; sent < message.Length;)
                {
                    sent += await _socket.SendAsync(message.AsMemory(sent), SocketFlags.None, _closed.Token);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close();
        }
    }
}
