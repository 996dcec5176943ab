using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Rig.Com2;
using Rig.Guest;
using Rig.Protocol;
using Rig.Qmp;

namespace Rig.Targets.Xen;

/// <summary>
/// One probe as a Xen domain, created by xl through a <see cref="IDom0"/>'s agent. Its PV console carries the COM1
/// protocol unchanged, with the COM2 requests (<c>RIG-REQ</c> lines) in the same stream and the acks written back to
/// its console input; its exit is the SCHEDOP_shutdown reason xl reports (<see cref="XenShutdown"/>). The control plane
/// is xl's: pause, unpause, trigger nmi, save -c and restore, destroy. What xl cannot do to a guest is a skip naming why.
/// </summary>
public sealed class XenDomainVm : IVm
{
    private static readonly TimeSpan XlBound = TimeSpan.FromSeconds(60);

    /// <summary>xl create takes ~1 s on an idle host; with the host's load average at 85 it took over 60 s.</summary>
    private static readonly TimeSpan CreateBound = TimeSpan.FromSeconds(300);
    /// <summary>xl save of a 64 MB guest writes its memory through dom0 under TCG: seconds idle, tens under load.</summary>
    private static readonly TimeSpan SnapshotBound = TimeSpan.FromSeconds(300);
    /// <summary>
    /// How long a probe waits for an answer of the host (docs/protocol.md `host-answer-s=`): an xl pause and unpause
    /// through dom0 took 30.3 s and an xl save with its restore ~30 s at a load average of 70–100, where the default is
    /// 30 s, and the probe's wait is a TSC deadline that runs on through both.
    /// </summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(360);
    /// <summary>
    /// A save or restore the probe asked for ends this long before the probe stops waiting, so that its <c>err
    /// control-plane-timeout</c> reaches the probe: with both at 300 s the probe failed `host-did-not-answer` with no
    /// word of why (xen-tcg-hvm, time.snapshot-revert).
    /// </summary>
    private static readonly TimeSpan AckMargin = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ConsoleTailBound = TimeSpan.FromSeconds(5);
    /// <summary>How often a running domain looks for a new fault of dom0's: a poll reads only what its console log grew by.</summary>
    private static readonly TimeSpan FaultPoll = TimeSpan.FromSeconds(2);
    private const int MaxCom1Lines = 200_000;
    private static long _domains;

    private readonly IDom0 _dom0;
    private readonly bool _hvm;
    private readonly AgentDomain _domain;
    private readonly Channel<Record> _records = Channel.CreateUnbounded<Record>();
    private readonly Channel<QmpEvent> _events = Channel.CreateUnbounded<QmpEvent>();
    private readonly List<string> _lines = [];
    private readonly HashSet<string> _snapshots = new(StringComparer.Ordinal);
    private readonly ConsoleControlStream _control;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _console;
    private Task _com2Server = Task.CompletedTask;
    private Com2Channel? _com2Channel;
    private volatile bool _watchdogFired;
    private volatile bool _destroyed;
    private string _creation = "";
    private readonly Lock _notes = new();
    private TimeSpan _snapshotBound = SnapshotBound;
    private readonly TaskCompletionSource _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _dom0Fault = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private XenDomainVm(string target, IDom0 dom0, AgentDomain domain, bool hvm)
    {
        Target = target;
        _hvm = hvm;
        _dom0 = dom0;
        _domain = domain;
        _control = new ConsoleControlStream(dom0.Agent, domain.Name);
        _console = Task.Run(ReadConsoleAsync);
    }

    public string Target { get; }

    public string Name => _domain.Name;

    public ChannelReader<Record> Records => _records.Reader;

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

    public ChannelReader<QmpEvent> Events => _events.Reader;

    public IReadOnlyList<Record> HostRecords => [];

    public string VmmDiagnostics => Volatile.Read(ref _creation) + "\n" + Dom0Evidence(_dom0);

    /// <summary>Xen's and dom0's console tails and faults, then the agent's latest stray lines.</summary>
    private static string Dom0Evidence(IDom0 dom0) => dom0.Diagnostics + "\n" + string.Join('\n', dom0.Agent.Unrouted.TakeLast(20));

    public IReadOnlyList<string> Com2Transcript => _com2Channel?.Transcript ?? [];

    public int ProcessId => _dom0.ProcessId;

    public Task<IAsyncDisposable> LoadHostAsync(CancellationToken cancellationToken = default) => _dom0.LoadAsync(cancellationToken);

    /// <summary>Stages the image, writes the guest's xl config into dom0 and creates it; its console is attached before it runs.</summary>
    public static async Task<XenDomainVm> CreateAsync(string target, IDom0 dom0, VmSpec spec, bool hvm, int memoryMb, CancellationToken cancellationToken)
    {
        var probe = Path.GetFileNameWithoutExtension(spec.ImagePath);
        var name = $"rig-{probe}-{Interlocked.Increment(ref _domains)}".ToLowerInvariant();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var config = $"/tmp/{name}.cfg";
        var append = GuestCommandLine(spec.Append, spec.Watchdog);
        var answerBound = ProbeAnswerBound(spec.Watchdog);
        string image;
        TimeSpan staged;
        try
        {
            image = await dom0.StageFileAsync(spec.ImagePath, cancellationToken).ConfigureAwait(false);
            staged = clock.Elapsed;
            var xlConfig = hvm ? XlGuestConfig.Hvm(name, image, append, spec.Vcpus, memoryMb) : XlGuestConfig.Pvh(name, image, append, spec.Vcpus, memoryMb);
            await dom0.WriteFileAsync(xlConfig, config, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{target}: staging {name} in dom0: {e.Message}\n{Dom0Evidence(dom0)}", e);
        }

        var domain = dom0.Agent.Watch(name);
        var vm = new XenDomainVm(target, dom0, domain, hvm) { _snapshotBound = SnapshotBoundWithin(answerBound) };
        var configured = clock.Elapsed;
        AgentReply created;
        try
        {
            created = await dom0.Agent.SendAsync("create", [name, config], CreateBound, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            // An agent that never acked leaves nothing in the reply: what Xen's and dom0's consoles and the agent's stray
            // lines said is the evidence (CI once saw only "no answer to 'create' within 300 s").
            await vm.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException(FormattableString.Invariant(
                $"{target}: xl create {name}: {e.Message} (image in dom0 after {staged.TotalSeconds:0.00} s)\n{vm.VmmDiagnostics}"), e);
        }
        catch
        {
            // The agent may still be creating it: destroy what it made rather than leave a guest running in dom0.
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        vm._creation = FormattableString.Invariant(
            $"{name}: image in dom0 after {staged.TotalSeconds:0.00} s, config {(configured - staged).TotalSeconds:0.00} s, xl create {(clock.Elapsed - configured).TotalSeconds:0.00} s: {created.Text}");
        if (!created.Ok)
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{target}: xl create {name} failed: {created.Text}");
        }

        // An HVM domain's device model starts before the probe runs, where a QEMU target's takes milliseconds (and when
        // hvmloader, SeaBIOS and pvh.bin ran first, ~50 s more). The boot ends when the probe speaks (or its domain is
        // gone), so a case's bounds count the probe's time as on every other target: the smoke case's 60 s ran out
        // during the firmware and SelfTest's exit came after it (xl's log: "shut down, reason code 0" once the case had failed).
        if (hvm)
        {
            Task running = Task.WhenAny(vm._firstLine.Task, domain.Exit).WaitAsync(CreateBound, cancellationToken);
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            vm._creation += FormattableString.Invariant($"; first console line {(clock.Elapsed - configured).TotalSeconds:0.00} s after the create");
        }

        // The probe's bound starts when its domain runs, not before xl create: under load the create alone took 40 s of
        // the 120 s, hvmloader and SeaBIOS another ~50 s, and SelfTest as an HVM domU was killed in its first checks.
        _ = vm.WatchAsync(spec.Watchdog);
        return vm;
    }

    /// <summary>
    /// The probe's command line with the Xen answer bound, capped at half the case's watchdog: a wait that outlasts the
    /// watchdog turns a lost answer into a kill without the probe's own fail line (seen on xen-tcg: SelfTest's
    /// host-time ack was sent and the 120 s watchdog ended the probe still waiting its 360 s).
    /// </summary>
    public static string GuestCommandLine(string append, TimeSpan watchdog) =>
        $"{append} {HostAction.AnswerBoundSeconds}={(int)ProbeAnswerBound(watchdog).TotalSeconds}".TrimStart();

    /// <summary>How long the probe waits for an answer, whole seconds as its command line says it.</summary>
    private static TimeSpan ProbeAnswerBound(TimeSpan watchdog) =>
        TimeSpan.FromSeconds(Math.Max(1, (int)(watchdog / 2 < AnswerBound ? watchdog / 2 : AnswerBound).TotalSeconds));

    /// <summary>The bound on an xl save or restore of a guest that waits <paramref name="answerBound"/> for its ack.</summary>
    public static TimeSpan SnapshotBoundWithin(TimeSpan answerBound) =>
        answerBound - AckMargin < SnapshotBound ? TimeSpan.FromSeconds(Math.Max(1, (answerBound - AckMargin).TotalSeconds)) : SnapshotBound;

    /// <summary>A line of the VM's diagnostics, from whichever task saw it (the COM2 server, a timed-out wait).</summary>
    private void Note(string line)
    {
        lock (_notes)
        {
            _creation += "\n" + line;
        }
    }

    public void ServeHostActions(IHostActionHandler handler)
    {
        if (!_com2Server.IsCompleted)
        {
            throw new InvalidOperationException("COM2 is already being served");
        }

        var channel = new Com2Channel(_control, this, handler);
        _com2Channel = channel;
        _com2Server = Task.Run(async () =>
        {
            try
            {
                await channel.ServeAsync(_lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or TimeoutException)
            {
                // The domain may have gone mid-request (its exit is reported), or dom0 failed to carry an ack to a guest
                // that still waits for it (the agent's input-failed names the pty it had): the log keeps which.
                Note("COM2 stopped serving: " + e.Message);
            }
            catch (OperationCanceledException)
            {
                // The case ended the VM.
            }
        });
    }

    public async Task<VmExit> WaitForExitAsync(TimeSpan bound, CancellationToken cancellationToken = default)
    {
        var timedOut = false;
        try
        {
            await Task.WhenAny(_domain.Exit, _dom0Fault.Task).WaitAsync(bound, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            timedOut = true;
            // What the domain was doing when its bound ran out (spinning, blocked, shut down unseen) is the evidence.
            await KeepXlLogsAsync().ConfigureAwait(false);
            await DestroyAsync().ConfigureAwait(false);
        }

        // The console pump ends after the domain is gone; its last lines may come just after xl's report.
        await _console.WaitAsync(ConsoleTailBound, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // A console that never reports its end must not keep a reader of the records waiting for ever.
        _records.Writer.TryComplete();
        var reason = _domain.Exit.IsCompletedSuccessfully ? _domain.Exit.Result : -1;
        if (reason == -1 && !timedOut && !_destroyed && !_dom0Fault.Task.IsCompleted)
        {
            await KeepXlLogsAsync().ConfigureAwait(false);
        }

        var exit = XenShutdown.ToExit(reason, timedOut && !_watchdogFired, _watchdogFired);
        return _dom0Fault.Task.IsCompleted
            ? exit with { Fault = $"dom0 faulted while the guest ran, so nothing dom0 carried of it can be judged: {_dom0Fault.Task.Result}" }
            : exit;
    }

    /// <summary>
    /// xl ended without a shutdown to report (a creation that failed after the domid showed, e.g. an HVM device model
    /// that did not start), or the domain outlived its bound: the tails of xl's and the device model's logs and its xl
    /// list row go into the diagnostics, the one evidence.
    /// </summary>
    private async Task KeepXlLogsAsync()
    {
        try
        {
            var logs = await _dom0.Agent.SendAsync("logs", [Name], XlBound).ConfigureAwait(false);
            Note("xl and device-model logs: " + logs.Text);
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            Note("xl and device-model logs: unavailable (" + e.Message + ")");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => Xl("pause", cancellationToken);

    public Task ContAsync(CancellationToken cancellationToken = default) => Xl("unpause", cancellationToken);

    public Task InjectNmiAsync(CancellationToken cancellationToken = default) => Xl("nmi", cancellationToken);

    /// <summary>
    /// A PVH guest has no reset; an HVM guest's (xl trigger reset) would end in on_reboot="destroy", which the exit of
    /// a triple-faulting probe needs (<see cref="XenShutdown"/>), so the rig does not drive it.
    /// </summary>
    public Task SystemResetAsync(CancellationToken cancellationToken = default) =>
        throw new TargetUnsupportedException(Target, "reset the guest", _hvm ? "xen-hvm-reset-not-driven" : "pvh-has-no-reset");

    public Task InjectMceAsync(int cpu, int bank, ulong status, ulong mcgStatus, ulong address, ulong misc, CancellationToken cancellationToken = default) =>
        throw new TargetUnsupportedException(Target, "inject an MCE", "xl-has-no-mce-injection");

    /// <summary>
    /// A checkpoint of the domain to a file in dom0, after which the guest runs on: the agent's <c>xl save</c> then
    /// <c>xl restore</c> (kit/rig-agent says why not <c>xl save -c</c>). An HVM
    /// guest without PV drivers (no HVM_PARAM_CALLBACK_IRQ) is suspended by the toolstack itself (libxl_dom_suspend.c:
    /// xc_domain_shutdown(SHUTDOWN_suspend)), so a probe waiting for this request's ack is saved inside that wait, as
    /// on rig-hv. A PVH guest is asked instead, through xenstore's control/shutdown, and must suspend itself: the probe
    /// runtime has no xenstore client, and libxl gave up after its 60 s (seen on xen-tcg), so PVH skips naming that.
    /// </summary>
    public async Task SaveSnapshotAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!_hvm)
        {
            throw new TargetUnsupportedException(Target, "save a snapshot", "pvh-suspend-needs-a-xenstore-client");
        }

        (await SendAsync("save", [Name, SnapshotFile(name)], _snapshotBound, cancellationToken).ConfigureAwait(false)).ThrowIfFailed($"xl save {Name}");
        _snapshots.Add(name);
    }

    /// <summary>
    /// Back to a checkpoint: the agent destroys the domain and <c>xl restore</c>s the file under the same name, the
    /// console attached again before it runs; Xen has no in-place revert. The restored domain is a new domid whose
    /// vCPU state, memory and TSC offset come from the file (Xen's hvm_load_cpu_ctxt: seed 000's path, on every revert).
    /// </summary>
    public async Task RevertSnapshotAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!_snapshots.Contains(name))
        {
            throw new InvalidOperationException($"{Target}: no snapshot '{name}' of {Name} was saved");
        }

        (await SendAsync("revert", [Name, SnapshotFile(name)], _snapshotBound, cancellationToken).ConfigureAwait(false)).ThrowIfFailed($"xl restore {Name}");
    }

    public IReferenceControls? Reference => null;

    public Task<byte[]> ReadMemoryAsync(ulong gpa, int length, CancellationToken cancellationToken = default) =>
        throw new TargetUnsupportedException(Target, "read guest memory", "xl-has-no-memory-read");

    public Task<IReadOnlyList<VcpuThread>> QueryVcpuThreadsAsync(CancellationToken cancellationToken = default) =>
        throw new TargetUnsupportedException(Target, "name its vCPU threads", "vcpus-are-xen-not-host-threads");

    /// <summary>xl list's state column for this domain (r running, b blocked, p paused, s shutdown) in QMP's words.</summary>
    public async Task<string> QueryStatusAsync(CancellationToken cancellationToken = default)
    {
        var list = (await SendAsync("list", [], XlBound, cancellationToken).ConfigureAwait(false)).ThrowIfFailed("xl list");
        var row = list.Text.Split('|').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).FirstOrDefault(w => w.Length >= 5 && w[0] == Name);
        return row is null ? "shutdown" : row[4].Contains('p', StringComparison.Ordinal) ? "paused" : row[4].Contains('s', StringComparison.Ordinal) ? "shutdown" : "running";
    }

    public async Task<bool> QuitAsync(TimeSpan bound, CancellationToken cancellationToken = default)
    {
        await DestroyAsync().ConfigureAwait(false);
        var exit = await WaitForExitAsync(bound, cancellationToken).ConfigureAwait(false);
        return !exit.TimedOut && !exit.KilledByWatchdog;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_domain.Exit.IsCompleted)
        {
            await DestroyAsync().ConfigureAwait(false);
            await ((Task)_domain.Exit).WaitAsync(XlBound).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        _control.GuestGone();
        await Task.WhenAll(_console, _com2Server).WaitAsync(ConsoleTailBound).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _dom0.Agent.Forget(Name);
        await _control.DisposeAsync().ConfigureAwait(false);
        _lifetime.Dispose();
    }

    /// <summary>Snapshot names come from the guest's request line: one word, so a path component of their own.</summary>
    private string SnapshotFile(string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? $"/tmp/{Name}.{name}.save"
            : throw new FormatException($"snapshot name '{name}' is not a plain word");

    private async Task Xl(string verb, CancellationToken cancellationToken) =>
        (await SendAsync(verb, [Name], XlBound, cancellationToken).ConfigureAwait(false)).ThrowIfFailed($"xl {verb} {Name}");

    /// <summary>A command about this guest, refused once dom0 has faulted under it: the answer would be a faulted dom0's.</summary>
    private Task<AgentReply> SendAsync(string verb, IReadOnlyList<string> arguments, TimeSpan bound, CancellationToken cancellationToken) =>
        _dom0Fault.Task.IsCompleted
            ? throw new IOException($"{Target}: xl {verb} {Name} not sent: dom0 faulted while the guest ran: {_dom0Fault.Task.Result}")
            : _dom0.Agent.SendAsync(verb, arguments, bound, cancellationToken);

    private async Task DestroyAsync()
    {
        if (_destroyed)
        {
            return;
        }

        _destroyed = true;
        try
        {
            await _dom0.Agent.SendAsync("destroy", [Name], XlBound).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException)
        {
            // dom0 itself is gone or stuck: the domain went with it or the machine's own bound ends it.
        }
    }

    private async Task ReadConsoleAsync()
    {
        try
        {
            await foreach (var raw in _domain.Console.ReadAllAsync(_lifetime.Token).ConfigureAwait(false))
            {
                var line = raw.TrimEnd('\r');
                if (HostRequest.TryParse(line) is not null)
                {
                    _control.FromGuest(line);
                    continue;
                }

                _firstLine.TrySetResult();
                lock (_lines)
                {
                    if (_lines.Count < MaxCom1Lines)
                    {
                        _lines.Add(line);
                    }
                }

                if (RecordParser.TryParse(line) is { } record)
                {
                    _records.Writer.TryWrite(record);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed before the console closed.
        }
        finally
        {
            _records.Writer.TryComplete();
            _events.Writer.TryComplete();
            _control.GuestGone();
        }
    }

    /// <summary>
    /// The case's watchdog, and dom0's health while the guest runs: dom0 carries the guest's console, its acks and every
    /// xl verb, so once a fault of dom0's shows (<see cref="Dom0Faults"/>) the guest is destroyed and its exit says why
    /// it cannot be judged. Any fault of the machine's counts, also one from before the guest was created: a faulted
    /// machine is replaced before a case starts, so a fault it has came while this case set up (s14: busybox faulted
    /// between the machine's hand-over and the create, and the probe's exit came with none of its console lines).
    /// Waiting out the case's bounds instead told nothing more (time.density on xen-tcg-hvm, s13: busybox faulted 33 s
    /// into the machine's life and the row ran 2233 s to an error).
    /// </summary>
    private async Task WatchAsync(TimeSpan watchdog)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (clock.Elapsed < watchdog)
            {
                var left = watchdog - clock.Elapsed;
                await Task.Delay(left < FaultPoll ? left : FaultPoll, _lifetime.Token).ConfigureAwait(false);
                var faults = _dom0.Faults;
                if (faults.Count > 0)
                {
                    Note("dom0 faulted while the guest ran: " + string.Join(" | ", faults));
                    _dom0Fault.TrySetResult(faults[0]);
                    await DestroyAsync().ConfigureAwait(false);
                    return;
                }
            }

            _watchdogFired = true;
            await DestroyAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Disposed before the watchdog fired: the normal case.
        }
    }
}
