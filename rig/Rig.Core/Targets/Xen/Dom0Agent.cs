using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Rig.Hosting;

namespace Rig.Targets.Xen;

/// <summary>
/// The rig's side of <c>rig-agent</c> (kit/rig-agent), the one place that drives xl: numbered commands out, their
/// <c>@ack</c>s matched back, each guest's console lines and exit routed to the <see cref="AgentDomain"/> that watches
/// it. The transport is any byte stream: the second UART of a xen-tcg machine, or a local agent's stdio on a lab dom0.
/// </summary>
public sealed class Dom0Agent : IAsyncDisposable
{
    private const int MaxDom0Log = 2000;
    private const int MaxFaultAnswers = 20;

    private readonly Stream _output;
    private readonly Task _reader;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, PendingCommand> _pending = new();
    private readonly ConcurrentDictionary<long, bool> _givenUp = new();
    private readonly ConcurrentDictionary<string, AgentDomain> _domains = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _unrouted = new();
    private readonly List<string> _faultAnswers = [];
    private readonly AgentCommandLog _commands = new();
    private long _sequence;

    public Dom0Agent(Stream input, Stream output)
    {
        _output = output;
        _reader = Task.Run(() => ReadAsync(input));
    }

    /// <summary>The <c>@ready</c> line's fields (e.g. <c>xen=4.17.7 uptime=11.2</c>) once dom0's tools are up.</summary>
    public Task<string> Ready => _ready.Task;

    /// <summary>
    /// The latest lines from the agent that were neither acks nor a watched guest's console, for diagnostics: a machine
    /// shared by a whole run collects more than it keeps, and its readers want how it ended (XenDomainVm shows the last
    /// 20), as with a VMM's stderr (<see cref="Hosting.HeadAndTailLog"/>).
    /// </summary>
    public IReadOnlyList<string> Unrouted
    {
        get
        {
            lock (_unrouted)
            {
                return [.. _unrouted];
            }
        }
    }

    /// <summary>
    /// The answers that only a dom0 whose memory went bad gives (xl failing in the dynamic loader: "symbol lookup error:
    /// .../libxentoolcore.so.1: undefined symbol: pthread_mutex_unlock", xen-tcg s14, where the console showed no
    /// fault), as the ack lines that carried them: <see cref="XenTcgMachine"/> counts them among dom0's faults.
    /// </summary>
    public IReadOnlyList<string> FaultAnswers
    {
        get
        {
            lock (_faultAnswers)
            {
                return [.. _faultAnswers];
            }
        }
    }

    /// <summary>What glibc's loader and a shell say of a program dom0 could not run as built; no xl error reads so.</summary>
    private static readonly string[] FaultMarkers = ["symbol lookup error", "error while loading shared libraries", "Segmentation fault", "Illegal instruction", "Bus error"];

    /// <summary>Sends one command and waits for its ack within <paramref name="bound"/>.</summary>
    public Task<AgentReply> SendAsync(string verb, IReadOnlyList<string> arguments, TimeSpan bound, CancellationToken cancellationToken = default) =>
        SendAsync(verb, arguments, [], bound, cancellationToken);

    /// <summary>Copies a host file into dom0 (base64 payloads the agent decodes), for an image or a guest config.</summary>
    public async Task PutFileAsync(byte[] content, string dom0Path, TimeSpan bound, CancellationToken cancellationToken = default)
    {
        // Each payload is acknowledged before the next is sent, so dom0's tty buffer (n_tty: 4 KiB, the flip buffers
        // 64 KiB) never holds more than one: a UART without flow control drops what overflows it.
        const int chunk = 24 * 1024;
        (await SendAsync("new", [dom0Path], bound, cancellationToken).ConfigureAwait(false)).ThrowIfFailed("new " + dom0Path);
        for (var offset = 0; offset < content.Length; offset += chunk)
        {
            var payload = Encoding.ASCII.GetBytes(Convert.ToBase64String(content, offset, Math.Min(chunk, content.Length - offset)));
            var length = payload.Length.ToString(CultureInfo.InvariantCulture);
            (await SendAsync("recv", [dom0Path, length], payload, bound, cancellationToken).ConfigureAwait(false)).ThrowIfFailed("recv " + dom0Path);
        }
    }

    /// <summary>
    /// One command, sent again once if it reached dom0 garbled: the agent ran nothing for it. A lone newline first ends
    /// whatever partial line the agent holds (a recv whose line was damaged leaves its payload unterminated there).
    /// </summary>
    private async Task<AgentReply> SendAsync(string verb, IReadOnlyList<string> arguments, byte[] payload, TimeSpan bound, CancellationToken cancellationToken)
    {
        if (arguments.Any(a => a.Contains('\n', StringComparison.Ordinal)))
        {
            throw new ArgumentException("an agent command is one line", nameof(arguments));
        }

        try
        {
            return await SendOnceAsync(verb, arguments, payload, bound, cancellationToken).ConfigureAwait(false);
        }
        catch (AgentCommandGarbledException e)
        {
            Stray("rig: sent again: " + e.Message);
            await WriteAsync("\n"u8.ToArray(), [], cancellationToken).ConfigureAwait(false);
            return await SendOnceAsync(verb, arguments, payload, bound, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(byte[] line, byte[] payload, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _output.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            await _output.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<AgentReply> SendOnceAsync(string verb, IReadOnlyList<string> arguments, byte[] payload, TimeSpan bound, CancellationToken cancellationToken)
    {
        var seq = Interlocked.Increment(ref _sequence);
        var reply = new TaskCompletionSource<AgentReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var line = string.Join(' ', [seq.ToString(CultureInfo.InvariantCulture), verb, .. arguments]);
        _pending[seq] = new PendingCommand(reply, line);
        _commands.Sent(seq, string.Join(' ', [verb, .. arguments]), Stopwatch.GetTimestamp());
        await WriteAsync(Encoding.ASCII.GetBytes(line + "\n"), payload, cancellationToken).ConfigureAwait(false);
        try
        {
            return await reply.Task.WaitAsync(bound, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _givenUp[seq] = true;
            throw new TimeoutException(
                $"dom0 agent: no answer to '{verb}' within {bound.TotalSeconds:0} s; it answers one command at a time, " +
                $"the latest: {_commands.Describe(Stopwatch.GetTimestamp())}");
        }
        finally
        {
            _pending.TryRemove(seq, out _);
        }
    }

    /// <summary>Starts routing <paramref name="name"/>'s console and exit; call before creating the guest.</summary>
    public AgentDomain Watch(string name)
    {
        var domain = new AgentDomain(name);
        return _domains.TryAdd(name, domain) ? domain : throw new InvalidOperationException($"domain {name} is already watched");
    }

    public void Forget(string name) => _domains.TryRemove(name, out _);

    /// <summary>How many guests are watched: created and not yet forgotten.</summary>
    public int Watched => _domains.Count;

    private async Task ReadAsync(Stream input)
    {
        var reader = new BoundedLineReader(input, maxLineLength: 8192);
        try
        {
            while (await reader.ReadLineAsync(_lifetime.Token).ConfigureAwait(false) is { } raw)
            {
                Route(raw.TrimEnd('\r'));
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The machine is going away; everything waiting is failed below.
        }
        finally
        {
            var gone = new IOException("the dom0 agent's channel closed");
            _ready.TrySetException(gone);
            foreach (var (_, pending) in _pending)
            {
                pending.Reply.TrySetException(gone);
            }

            foreach (var (_, domain) in _domains)
            {
                domain.ChannelClosed();
            }
        }
    }

    private void Route(string line)
    {
        var (kind, rest) = Split(line);
        switch (kind)
        {
            case "@ack":
                var (seq, answer) = Split(rest);
                var (status, text) = Split(answer);
                var reply = new AgentReply(status == "ok", text);
                if (status == "err" && FaultMarkers.Any(m => text.Contains(m, StringComparison.Ordinal)))
                {
                    lock (_faultAnswers)
                    {
                        if (_faultAnswers.Count < MaxFaultAnswers)
                        {
                            _faultAnswers.Add(line);
                        }
                    }
                }

                if (long.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    var late = _givenUp.TryRemove(n, out _);
                    _commands.Answered(n, reply.Ok, Stopwatch.GetTimestamp());
                    if (_pending.TryGetValue(n, out var pending))
                    {
                        pending.Reply.TrySetResult(reply);
                        return;
                    }

                    if (!late && AnsweredUnderItsNumbersTail(seq, reply))
                    {
                        break;
                    }
                }

                if (status == "err")
                {
                    // Failed or not, the line stays among the stray ones as evidence.
                    FailGarbled(seq, text, line);
                }

                break;
            case "@con":
                var (name, consoleLine) = Split(rest);
                if (_domains.TryGetValue(name, out var domain))
                {
                    domain.ConsoleLine(consoleLine);
                    return;
                }

                break;
            case "@con-end":
                if (_domains.TryGetValue(rest, out var ended))
                {
                    ended.ConsoleEnded();
                    return;
                }

                break;
            case "@exit":
                var (exited, fields) = Split(rest);
                if (_domains.TryGetValue(exited, out var dead))
                {
                    dead.Exited(ShutdownReason(fields));
                    return;
                }

                break;
            case "@ready":
                _ready.TrySetResult(rest);
                return;
        }

        Stray(line);
    }

    /// <summary>Keeps <paramref name="line"/> among the latest <see cref="MaxDom0Log"/> stray lines (<see cref="Unrouted"/>).</summary>
    private void Stray(string line)
    {
        lock (_unrouted)
        {
            _unrouted.Enqueue(line);
            if (_unrouted.Count > MaxDom0Log)
            {
                _unrouted.Dequeue();
            }
        }
    }

    /// <summary>
    /// rig-agent answers a line it cannot parse with <c>@ack FIRST err unknown-verb SECOND</c>, its first two words. On
    /// xen-tcg a command line sometimes reached dom0 without its head ("@ack cfg err unknown-verb" for "200 new
    /// /tmp/rig-cpuchecks-42.cfg"): the pending command whose line ends with those words failed to arrive, and it is
    /// failed at once, where it used to wait out its bound unanswered.
    /// </summary>
    private void FailGarbled(string first, string text, string ack)
    {
        var (kind, second) = Split(text);
        if (kind != "unknown-verb")
        {
            return;
        }

        var words = second.Length == 0 ? first : first + " " + second;
        var victims = _pending.Values.Where(p => p.Line.Contains(words, StringComparison.Ordinal) && !p.Line.StartsWith(words, StringComparison.Ordinal)).ToList();
        if (victims is [var victim])
        {
            victim.Reply.TrySetException(new AgentCommandGarbledException(
                $"dom0 agent: the command '{victim.Line}' reached dom0 garbled: the agent read a line starting '{words}' ({ack})"));
        }
    }

    /// <summary>
    /// An ack for a number the rig is not waiting for, and never sent or already had answered: the head of a command
    /// line went missing on its way (xen-tcg) and the agent ran it under the digits that were left. The one pending
    /// command whose number ends with them takes the answer; the ack stays among the stray lines as evidence.
    /// </summary>
    private bool AnsweredUnderItsNumbersTail(string digits, AgentReply answer)
    {
        var owners = _pending.Keys.Where(p => p.ToString(CultureInfo.InvariantCulture) is var full && full.Length > digits.Length && full.EndsWith(digits, StringComparison.Ordinal)).ToList();
        return owners is [var owner] && _pending.TryGetValue(owner, out var pending) && pending.Reply.TrySetResult(answer);
    }

    /// <summary>A command sent and not yet answered: where its answer goes, and its line as sent (without the newline).</summary>
    private sealed record PendingCommand(TaskCompletionSource<AgentReply> Reply, string Line);

    /// <summary>The <c>reason=</c> field of an <c>@exit</c> line; -1 when xl saw no shutdown (it failed, or the domain was destroyed).</summary>
    public static int ShutdownReason(string fields)
    {
        foreach (var word in fields.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.StartsWith("reason=", StringComparison.Ordinal)
                && int.TryParse(word.AsSpan(7), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var reason))
            {
                return reason;
            }
        }

        return -1;
    }

    private static (string Head, string Tail) Split(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (text, "") : (text[..space], text[(space + 1)..]);
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _lifetime.Dispose();
        _writeLock.Dispose();
    }
}

/// <summary>An agent's answer: ok or not, and the rest of its line (xl's output, lines joined by '|').</summary>
public sealed record AgentReply(bool Ok, string Text)
{
    public AgentReply ThrowIfFailed(string what) => Ok ? this : throw new IOException($"dom0 agent: {what} failed: {Text}");
}

/// <summary>What the agent reports about one guest: its console lines in order, its console's end and its exit.</summary>
public sealed class AgentDomain(string name)
{
    private readonly Channel<string> _console = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;

    public ChannelReader<string> Console => _console.Reader;

    /// <summary>The SHUTDOWN_* reason xl reported, -1 when it saw none.</summary>
    public Task<int> Exit => _exit.Task;

    internal void ConsoleLine(string line) => _console.Writer.TryWrite(line);

    internal void ConsoleEnded() => _console.Writer.TryComplete();

    internal void Exited(int reason) => _exit.TrySetResult(reason);

    internal void ChannelClosed()
    {
        _console.Writer.TryComplete();
        _exit.TrySetResult(-1);
    }
}
