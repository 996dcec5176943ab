using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Rig.Com2;
using Rig.Hosting;
using Rig.Protocol;
using Rig.Qmp;

namespace Rig.Targets;

/// <summary>
/// A VM driven through QMP: the VMM process, its QMP connection, COM1 parsed into records and COM2
/// served by a host-action handler. The same class drives QEMU and the reference hypervisor; they differ
/// only in their <see cref="VmLaunch"/>.
/// </summary>
public sealed class QmpVm : IVm, IReferenceControls
{
    /// <summary>
    /// How long a live VMM may take from exec to having all three sockets connected. A VMM that exits is caught at once
    /// (below), so this only stops one that hangs: 15 s cut off a clean rig-hv still starting (.NET start-up and JIT) at
    /// load average 35-60 on this 2-core machine, an error on the reference that came from the host's load alone.
    /// </summary>
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ProcessExitBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan QmpLossGrace = TimeSpan.FromSeconds(2);

    private const int MaxCom1Lines = 200_000;

    // 200 000 lines of up to 64 KiB each would be 25 GB of strings: the kept log is bounded in characters too.
    private const long MaxCom1Chars = 32L * 1024 * 1024;
    private const int MaxHostRecords = 100_000;
    private const int MaxMemoryRead = 256 * 1024 * 1024;

    private readonly VmLaunch _launch;
    private readonly Process _process;
    private readonly QmpClient _qmp;
    private readonly NetworkStream _com1;
    private readonly NetworkStream _com2;
    private readonly Channel<Record> _records = Channel.CreateUnbounded<Record>();
    private readonly List<string> _lines = [];
    private readonly HeadAndTailLog _diagnostics = new(headChars: 48 * 1024, tailLines: 200);
    private readonly List<Record> _hostRecords = [];
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _com1Reader;
    private readonly Task _stderrReader;
    private Task _com2Server = Task.CompletedTask;
    private Com2Channel? _com2Channel;
    private volatile bool _watchdogFired;
    private string? _fault;
    private long _com1Chars;

    private QmpVm(VmLaunch launch, Process process, QmpClient qmp, NetworkStream com1, NetworkStream com2, TimeSpan watchdog)
    {
        _launch = launch;
        _process = process;
        _qmp = qmp;
        _com1 = com1;
        _com2 = com2;
        _com1Reader = Task.Run(ReadCom1Async);
        _stderrReader = Task.Run(ReadStderrAsync);
        _ = WatchAsync(watchdog);
    }

    public string Target => _launch.Target;

    public ChannelReader<Record> Records => _records.Reader;

    public int ProcessId => _process.Id;

    public IReadOnlyList<string> Com1Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public ChannelReader<QmpEvent> Events => _qmp.Events;

    public IReadOnlyList<string> Com2Transcript => _com2Channel?.Transcript ?? [];

    public IReadOnlyList<Record> HostRecords
    {
        get
        {
            lock (_hostRecords)
            {
                return [.. _hostRecords];
            }
        }
    }

    public string VmmDiagnostics => _diagnostics.ToString();

    /// <summary>Starts the VMM and connects to it; on any failure the process is killed and the error says what the VMM printed.</summary>
    public static async Task<QmpVm> StartAsync(VmLaunch launch, TimeSpan watchdog, CancellationToken cancellationToken)
    {
        var sockets = launch.Sockets;
        var listeners = launch.RigListens
            ? new[] { UnixSockets.Listen(sockets.Qmp), UnixSockets.Listen(sockets.Com1), UnixSockets.Listen(sockets.Com2) }
            : [];
        Process? process = null;
        var opened = new List<IAsyncDisposable>();
        try
        {
            process = await ChildProcesses.StartAsync(launch.Binary, launch.Arguments).ConfigureAwait(false);
            using var startup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var exited = process.WaitForExitAsync(startup.Token);

            async Task<NetworkStream> Open(int index, string path, string what)
            {
                var socket = launch.RigListens
                    ? await UnixSockets.AcceptAsync(listeners[index], what, StartupTimeout, startup.Token).ConfigureAwait(false)
                    : await UnixSockets.ConnectAsync(path, StartupTimeout, startup.Token).ConfigureAwait(false);
                var stream = new NetworkStream(socket, ownsSocket: true);
                opened.Add(stream);
                return stream;
            }

            // COM1 first: for rig-hv, output written before the rig connects is lost, so connect to it before anything else.
            var connect = Task.WhenAll(Open(1, sockets.Com1, "COM1"), Open(2, sockets.Com2, "COM2"), Open(0, sockets.Qmp, "QMP"));
            if (await Task.WhenAny(connect, exited).ConfigureAwait(false) == exited && !connect.IsCompleted)
            {
                throw new TargetStartException(launch, $"exited with code {process.ExitCode} during startup", await StderrOf(process).ConfigureAwait(false));
            }

            var streams = await connect.ConfigureAwait(false);
            var qmp = await QmpClient.ConnectAsync(streams[2], StartupTimeout, startup.Token).ConfigureAwait(false);
            await startup.CancelAsync().ConfigureAwait(false);
            var vm = new QmpVm(launch, process, qmp, streams[0], streams[1], watchdog);
            if (launch.StartsPaused)
            {
                await ContinueFromPausedStart(qmp, process, cancellationToken).ConfigureAwait(false);
            }

            return vm;
        }
        catch (Exception e)
        {
            // A channel that closed during start-up usually means the VMM died: say how, before the rig's own kill.
            var died = process is not null && e is QmpConnectionException or SocketException or IOException
                ? await HowItDied(process).ConfigureAwait(false)
                : "";
            var stderr = process is null ? "" : await KillReadStderrAndRelease(process).ConfigureAwait(false);
            foreach (var s in opened)
            {
                await s.DisposeAsync().ConfigureAwait(false);
            }

            if (e is TimeoutException or QmpConnectionException or SocketException or IOException)
            {
                throw new TargetStartException(launch, e.Message + died, stderr);
            }

            throw;
        }
        finally
        {
            foreach (var l in listeners)
            {
                l.Dispose();
            }
        }
    }

    /// <summary>
    /// Starts the paused guest. A short guest can run to its debug-exit and take the VMM down before the VMM
    /// writes the reply to <c>cont</c> (seen with QEMU TCG in CI); the guest did start, so that is not a start error.
    /// </summary>
    private static async Task ContinueFromPausedStart(QmpClient qmp, Process process, CancellationToken cancellationToken)
    {
        try
        {
            await qmp.ExecuteAsync("cont", null, StartupTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (QmpConnectionException)
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(ProcessExitBound, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!process.HasExited)
            {
                throw;
            }
        }
    }

    public void ServeHostActions(IHostActionHandler handler)
    {
        if (!_com2Server.IsCompleted)
        {
            throw new InvalidOperationException("COM2 is already being served");
        }

        var channel = new Com2Channel(_com2, this, handler);
        _com2Channel = channel;
        _com2Server = Task.Run(() => ServeCom2Async(channel));
    }

    public async Task<VmExit> WaitForExitAsync(TimeSpan bound, CancellationToken cancellationToken = default)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(bound);
        var timedOut = false;
        try
        {
            await _process.WaitForExitAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            timedOut = true;
            ChildProcesses.Kill(_process);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(ProcessExitBound).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // The VMM is gone, so COM1 and stderr reach end of stream; wait for their last lines (bounded, in case a
        // grandchild holds them).
        await Task.WhenAll(_com1Reader, _stderrReader).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return new VmExit(_process.HasExited ? _process.ExitCode : -1, timedOut && !_watchdogFired, _watchdogFired, Volatile.Read(ref _fault));
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => Execute("stop", null, cancellationToken);

    public Task ContAsync(CancellationToken cancellationToken = default) => Execute("cont", null, cancellationToken);

    public Task SystemResetAsync(CancellationToken cancellationToken = default) => Execute("system_reset", null, cancellationToken);

    public Task InjectNmiAsync(CancellationToken cancellationToken = default) => Execute("inject-nmi", null, cancellationToken);

    public async Task InjectMceAsync(int cpu, int bank, ulong status, ulong mcgStatus, ulong address, ulong misc, CancellationToken cancellationToken = default)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"mce {cpu} {bank} 0x{status:x} 0x{mcgStatus:x} 0x{address:x} 0x{misc:x}");
        var output = await _qmp.HumanMonitorCommandAsync(line, cancellationToken).ConfigureAwait(false);

        // HMP reports failure as text, not as a QMP error.
        if (output.Trim().Length > 0)
        {
            throw new TargetUnsupportedException(Target, "inject an MCE", "mce-refused");
        }
    }

    public Task SaveSnapshotAsync(string name, CancellationToken cancellationToken = default) =>
        _launch.HasVendorCommands
            ? Execute("x-rig-snapshot-save", new JsonObject { ["name"] = name }, cancellationToken)
            : throw new TargetUnsupportedException(Target, "save a snapshot", "unsupported");

    public Task RevertSnapshotAsync(string name, CancellationToken cancellationToken = default) =>
        _launch.HasVendorCommands
            ? Execute("x-rig-snapshot-revert", new JsonObject { ["name"] = name }, cancellationToken)
            : throw new TargetUnsupportedException(Target, "revert a snapshot", "unsupported");

    /// <summary>rig-hv (the only VMM launched with vendor commands) offers its own controls; QEMU does not.</summary>
    public IReferenceControls? Reference => _launch.HasVendorCommands ? this : null;

    Task IReferenceControls.RevertSnapshotCalibratingAsync(string name, CancellationToken cancellationToken) =>
        Execute("x-rig-snapshot-revert", new JsonObject { ["name"] = name, ["calibrate-during"] = true }, cancellationToken);

    async Task<long> IReferenceControls.CalibrateClockAsync(CancellationToken cancellationToken)
    {
        var reply = await _qmp.ExecuteAsync("x-rig-calibrate", null, null, cancellationToken).ConfigureAwait(false);
        return reply.GetProperty("calibrations").GetInt64();
    }

    Task IReferenceControls.SetCalibrationPeriodAsync(TimeSpan period, CancellationToken cancellationToken) =>
        Execute("x-rig-calibration-period", new JsonObject { ["period-us"] = (long)period.TotalMicroseconds }, cancellationToken);

    Task<JsonElement> IReferenceControls.VendorCommandAsync(string command, JsonObject? arguments, CancellationToken cancellationToken) =>
        _qmp.ExecuteAsync(command, arguments, null, cancellationToken);

    public async Task<byte[]> ReadMemoryAsync(ulong gpa, int length, CancellationToken cancellationToken = default)
    {
        if (length is < 0 or > MaxMemoryRead)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"a memory read is 0..{MaxMemoryRead} bytes (got {length})");
        }

        var file = Path.Combine(_launch.Sockets.Directory, $"mem-{Guid.NewGuid():N}.bin");
        try
        {
            // QMP pmemsave writes physical memory to a file the VMM opens, so it must be a path both can reach.
            await Execute("pmemsave", new JsonObject { ["val"] = gpa, ["size"] = length, ["filename"] = file }, cancellationToken).ConfigureAwait(false);
            var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
            return bytes.Length == length
                ? bytes
                : throw new IOException($"pmemsave wrote {bytes.Length} bytes of the {length} asked for at 0x{gpa:x}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    public async Task<string> QueryStatusAsync(CancellationToken cancellationToken = default)
    {
        var result = await _qmp.ExecuteAsync("query-status", null, null, cancellationToken).ConfigureAwait(false);
        return result.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "";
    }

    public async Task<IReadOnlyList<VcpuThread>> QueryVcpuThreadsAsync(CancellationToken cancellationToken = default)
    {
        var result = await _qmp.ExecuteAsync("query-cpus-fast", null, null, cancellationToken).ConfigureAwait(false);
        return [.. result.EnumerateArray().Select(cpu => new VcpuThread(cpu.GetProperty("cpu-index").GetInt32(), cpu.GetProperty("thread-id").GetInt32()))];
    }

    public async Task<bool> QuitAsync(TimeSpan bound, CancellationToken cancellationToken = default)
    {
        try
        {
            await Execute("quit", null, cancellationToken).ConfigureAwait(false);
        }
        catch (QmpConnectionException)
        {
            // The VMM may close QMP before its reply to quit is written: it is going, which is what was asked.
        }

        var exit = await WaitForExitAsync(bound, cancellationToken).ConfigureAwait(false);
        return !exit.TimedOut && !exit.KilledByWatchdog;
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        ChildProcesses.Kill(_process);

        // SIGKILL cannot be refused, but a process stuck in the kernel (D state) can take a while to go: bounded.
        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(ProcessExitBound).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _qmp.DisposeAsync().ConfigureAwait(false);
        await _com1.DisposeAsync().ConfigureAwait(false);
        await _com2.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_com1Reader, _com2Server, _stderrReader).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ChildProcesses.Release(_process);
        _lifetime.Dispose();
        try
        {
            Directory.Delete(_launch.Sockets.Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty temp directory is harmless; failing a case over it would not be.
        }
    }

    private Task Execute(string command, JsonObject? arguments, CancellationToken cancellationToken) =>
        _qmp.ExecuteAsync(command, arguments, null, cancellationToken);

    private async Task ReadCom1Async()
    {
        var reader = new BoundedLineReader(_com1);
        try
        {
            while (await reader.ReadLineAsync(_lifetime.Token).ConfigureAwait(false) is { } line)
            {
                if (reader.LastLineDropped > 0)
                {
                    // A cut line is not a record: its end (where a record's fields are) never arrived.
                    var length = line.Length + reader.LastLineDropped;
                    SetFault($"COM1 sent a line of {length} bytes, over the rig's {reader.MaxLineLength}-byte limit " +
                             "(docs/protocol.md: one short record per line); it was cut and not read as a record");
                    Keep($"[rig: COM1 line of {length} bytes cut] {line[..Math.Min(line.Length, 200)]}");
                    continue;
                }

                Keep(line);
                if (RecordParser.TryParse(line) is { } record)
                {
                    _records.Writer.TryWrite(record);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The VM is gone; the channel completes below and the exit says why.
        }
        finally
        {
            _records.Writer.TryComplete();
        }
    }

    private void Keep(string line)
    {
        lock (_lines)
        {
            if (_lines.Count >= MaxCom1Lines || _com1Chars >= MaxCom1Chars)
            {
                return;
            }

            _com1Chars += line.Length;
            var last = _lines.Count == MaxCom1Lines - 1 || _com1Chars >= MaxCom1Chars;
            _lines.Add(last ? $"[rig: COM1 log cut after {_lines.Count} lines, {_com1Chars} characters]" : line);
        }
    }

    /// <summary>The first thing that made this run unjudgeable; later ones are consequences of it.</summary>
    private void SetFault(string fault) => Interlocked.CompareExchange(ref _fault, fault, null);

    private async Task ServeCom2Async(Com2Channel channel)
    {
        try
        {
            await channel.ServeAsync(_lifetime.Token).ConfigureAwait(false);
        }
        catch (QmpConnectionException e) when (!_lifetime.IsCancellationRequested)
        {
            // A VMM that is exiting closes QMP first; give it a moment so its own exit explains the run.
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(QmpLossGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!_process.HasExited)
            {
                // The control plane is gone while the VMM runs on: no host action can be done or acked any more, and a
                // probe waiting for its ack would hang to the watchdog. Stop it now and say why.
                SetFault($"the VMM's QMP connection failed during a COM2 host action ({e.Message}) while the VMM ran on; the rig stopped the VMM");
                ChildProcesses.Kill(_process);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or QmpConnectionException)
        {
            // The VM went away mid-request; its exit is reported, not this.
        }
    }

    private async Task ReadStderrAsync()
    {
        try
        {
            string? line;
            while ((line = await _process.StandardError.ReadLineAsync(_lifetime.Token).ConfigureAwait(false)) is not null)
            {
                if (RecordParser.TryParse(line) is { } record)
                {
                    lock (_hostRecords)
                    {
                        if (_hostRecords.Count < MaxHostRecords)
                        {
                            _hostRecords.Add(record);
                        }
                    }

                    continue;
                }

                _diagnostics.Add(line);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Diagnostics are best effort.
        }
    }

    private async Task WatchAsync(TimeSpan watchdog)
    {
        try
        {
            await Task.Delay(watchdog, _lifetime.Token).ConfigureAwait(false);
            _watchdogFired = true;
            ChildProcesses.Kill(_process);
        }
        catch (OperationCanceledException)
        {
            // Disposed before the watchdog fired: the normal case.
        }
    }

    private static async Task<string> StderrOf(Process process)
    {
        try
        {
            var read = process.StandardError.ReadToEndAsync();
            return await read.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return "";
        }
    }

    private static async Task<string> HowItDied(Process process)
    {
        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(QmpLossGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return process.HasExited ? $" (the VMM was gone: {new VmExit(process.ExitCode, TimedOut: false, KilledByWatchdog: false)})" : "";
    }

    private static async Task<string> KillReadStderrAndRelease(Process process)
    {
        ChildProcesses.Kill(process);
        try
        {
            return await StderrOf(process).ConfigureAwait(false);
        }
        finally
        {
            ChildProcesses.Release(process);
        }
    }
}
