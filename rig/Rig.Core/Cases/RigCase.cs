using System.Diagnostics;
using System.Globalization;
using System.Text;
using NUnit.Framework;
using NUnit.Framework.Internal;
using Rig.Com2;
using Rig.Config;
using Rig.Hosting;
using Rig.Hypervisor.Boot;
using Rig.Protocol;
using Rig.Results;
using Rig.Targets;

namespace Rig.Cases;

/// <summary>
/// One case on one target, kvm-unit-tests style: boot the probe, wait for what it prints, then
/// <see cref="Report"/> each check of the oracle and <see cref="Complete"/>. The verdict, evidence,
/// metrics and logs become one <see cref="CaseResult"/> for the run's store; NUnit sees the same verdict.
/// </summary>
public sealed class RigCase : IAsyncDisposable
{
    private const int MaxLogChars = 256 * 1024;

    private readonly RigSession _session;
    private readonly List<Record> _records = [];
    private readonly StringBuilder _evidence = new();
    private readonly List<MetricSample> _metrics = [];
    private readonly List<SeriesPoint> _series = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly Task _drain;
    private TaskCompletionSource _recordArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CaseVerdict _verdict = new();
    private bool _completed;
    private Random? _random;

    private RigCase(RigSession session, string suite, string caseName, string target, IVm vm)
    {
        _session = session;
        Suite = suite;
        Case = caseName;
        Target = target;
        Vm = vm;
        _drain = Task.Run(DrainRecordsAsync);
    }

    public string Suite { get; }

    public string Case { get; }

    public string Target { get; }

    /// <summary>The target's driver kind in rig.json (reference, qemu, xen).</summary>
    public string TargetKind => _session.Options.Targets.TryGetValue(Target, out var options) ? options.Kind : "";

    /// <summary>The booted VM: control plane (stop, reset, NMI, MCE, snapshots), memory reads, events.</summary>
    public IVm Vm { get; }

    /// <summary>
    /// The case's source of random choices (which VM to pause, when to revert): seeded from the run's seed and this
    /// row (<see cref="CaseSeed"/>), so the rerun command in the report makes the same choices.
    /// </summary>
    public Random Random => _random ??= new Random(CaseSeed.For(_session.Seed, Suite, Case, Target, _session.Repeat));

    /// <summary>How the VM ended, once <see cref="RunToExitAsync"/> returned.</summary>
    public VmExit? Exit { get; private set; }

    /// <summary>The VMM's own records (<see cref="IVm.HostRecords"/>), complete once <see cref="RunToExitAsync"/> returned.</summary>
    public IReadOnlyList<Record> HostRecords => Vm.HostRecords;

    /// <summary>The probe's records so far, in order.</summary>
    public IReadOnlyList<Record> Records
    {
        get
        {
            lock (_records)
            {
                return [.. _records];
            }
        }
    }

    /// <summary>
    /// Boots the case named by its NUnit fixture: class <c>TimerAfterReboot</c> in suite apic is case
    /// <c>apic.timer-after-reboot</c> and boots probe image TimerAfterReboot.elf. The class name is the case's only
    /// spelling (<see cref="KebabCase"/>); the rest is as <see cref="BootAsync(string, string, string, string, int, IHostActionHandler?, TimeSpan?, CancellationToken)"/>.
    /// </summary>
    /// <param name="probe">Another case's probe, for a case that drives the same guest differently (calibration-race boots SnapshotRevert).</param>
    public static Task<RigCase> BootAsync(
        string target, string append = "", int vcpus = 1, IHostActionHandler? hostActions = null, TimeSpan? watchdog = null,
        string? probe = null, CancellationToken cancellationToken = default)
    {
        var fixture = TestExecutionContext.CurrentContext.CurrentTest.TypeInfo?.Type.Name
            ?? throw new InvalidOperationException("RigCase.BootAsync(target) runs inside an NUnit test fixture");
        return BootAsync(KebabCase.From(fixture), target, probe ?? fixture, append, vcpus, hostActions, watchdog, cancellationToken);
    }

    /// <summary>
    /// Boots <paramref name="probe"/> (artifacts/probes/&lt;probe&gt;.elf) on <paramref name="target"/> with the command line
    /// <paramref name="append"/>, and serves COM2 with <paramref name="hostActions"/> (default: the standard actions).
    /// A case that knowingly runs longer than rig.json's watchdogSeconds (hundreds of reboots) states its own
    /// <paramref name="watchdog"/>; the longer of the two guards the VM.
    /// An unavailable target is recorded as skip with its reason and the test is ignored; a missing image is an error.
    /// </summary>
    public static async Task<RigCase> BootAsync(
        string caseName, string target, string probe, string append = "", int vcpus = 1,
        IHostActionHandler? hostActions = null, TimeSpan? watchdog = null, CancellationToken cancellationToken = default)
    {
        var session = RigSession.Current;
        var suite = CurrentSuite();
        var driver = session.Target(target);
        var availability = driver.Probe();
        if (!availability.Available)
        {
            var reason = $"target unavailable: {availability.Reason}";
            session.Publish(Result(suite, caseName, target, Verdict.Skip, reason, reason, DateTimeOffset.UtcNow, TimeSpan.Zero));
            Assert.Ignore(reason);
        }

        var image = session.ProbeImage(probe);
        if (!File.Exists(image))
        {
            throw PublishError(session, suite, caseName, target, $"probe image missing: {image}", null);
        }

        // Checked here, the same way for every target: QEMU given a damaged -kernel may refuse it, or boot what it can.
        try
        {
            PvhElfImage.Load(image);
        }
        catch (BootImageException e)
        {
            throw PublishError(session, suite, caseName, target, $"probe image cannot boot: {e.Message}", e);
        }

        IVm vm;
        try
        {
            vm = await driver.BootAsync(new VmSpec(image, append, watchdog > session.Watchdog ? watchdog.Value : session.Watchdog, vcpus, session.Defect), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TargetStartException or TargetUnsupportedException or InvalidOperationException or TimeoutException or IOException)
        {
            throw PublishError(session, suite, caseName, target, $"could not boot {probe} on {target}: {e.Message}", e);
        }

        vm.ServeHostActions(hostActions ?? new StandardHostActions());
        return new RigCase(session, suite, caseName, target, vm);
    }

    /// <summary>Lets the probe run to its exit (bounded: past <paramref name="bound"/> the VM is killed and that is reported).</summary>
    public async Task<VmExit> RunToExitAsync(TimeSpan bound, CancellationToken cancellationToken = default)
    {
        Exit = await Vm.WaitForExitAsync(bound, cancellationToken).ConfigureAwait(false);
        await _drain.ConfigureAwait(false);
        Evidence($"vm: {Exit}");
        if (Exit.Unjudgeable is { } why)
        {
            Error(why);
        }

        return Exit;
    }

    /// <summary>Waits for the first record matching <paramref name="match"/>; null if none came within <paramref name="bound"/> or COM1 closed.</summary>
    public async Task<Record?> WaitForRecordAsync(Func<Record, bool> match, TimeSpan bound, CancellationToken cancellationToken = default)
    {
        var deadline = _clock.Elapsed + bound;
        while (true)
        {
            Task arrived;
            lock (_records)
            {
                if (_records.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                arrived = _recordArrived.Task;
            }

            var left = deadline - _clock.Elapsed;
            if (left <= TimeSpan.Zero || _drain.IsCompleted)
            {
                return null;
            }

            await Task.WhenAny(arrived, _drain, Task.Delay(left, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The probe's verdict records for this case or its sub-cases (<c>&lt;case&gt;.x</c>).</summary>
    public IReadOnlyList<Record> VerdictRecords() =>
        Records.Where(r => VerdictNames.TryParse(r.Kind, out _) && BelongsHere(r.Case)).ToList();

    /// <summary>
    /// The probe's <c>RIG skip</c> of the whole case (the target lacks what the case needs: Xen PVH has no reset), not
    /// of one of its parts (apic.reset-state.cf9: QEMU's microvm has no 0xCF9), which the case notes and goes on past.
    /// </summary>
    private Record? WholeCaseSkip() =>
        Records.FirstOrDefault(r => r.Kind == Verdict.Skip.ToWire() && CaseIds.Names(r.Case, Suite, Case));

    /// <summary>
    /// Ends the case as a skip with the probe's reason when the probe skipped it whole (<see cref="WholeCaseSkip"/>);
    /// false, and nothing done, otherwise. The case returns on true: there is nothing of the target to judge.
    /// </summary>
    public bool CompleteIfProbeSkippedWholeCase()
    {
        if (WholeCaseSkip() is not { } skipped)
        {
            return false;
        }

        Skip(skipped["reason"] ?? "the probe skipped");
        Complete();
        return true;
    }

    /// <summary>
    /// What the probe said of itself beside the case's own oracle: a `RIG fail` is a failed check (an AP that never
    /// came back), a `RIG error` means it could not observe (the case errors, never passes), a `RIG skip` is a path the
    /// target lacks and goes to the evidence (e.g. reset-had-no-effect, rdtscp-absent). A damaged record makes the case
    /// an error: a field lost in transit must not read as a register the target got wrong.
    /// </summary>
    public void JudgeProbeVerdicts()
    {
        foreach (var r in Records)
        {
            if (r.Damaged)
            {
                Error("a COM1 record arrived damaged (cut by the probe's line buffer, or bytes lost between the guest's UART " +
                      "and the rig), so the case cannot judge it: " + r.Line);
            }

            if (r.Kind == Verdict.Fail.ToWire())
            {
                Report(false, "the probe reported: " + r.Line);
            }
            else if (r.Kind == Verdict.Error.ToWire())
            {
                Error("the probe hit an error: " + r.Line);
            }
            else if (r.Kind == Verdict.Skip.ToWire())
            {
                Evidence($"note: {r.Case}: {r["reason"]}");
            }
        }

        foreach (var (name, record) in TargetInterfaces.MissingOffered(Records, Offers))
        {
            Report(false, MustOffer(name, record));
        }
    }

    /// <summary>
    /// What rig.json declares this case's known deviations on this target, on this host's KVM module or on every host
    /// (targets.&lt;target&gt;.hostLimits.&lt;module or "any"&gt;, <see cref="HostLimit"/>); the entries were checked at start.
    /// </summary>
    public KnownDeviations DeclaredDeviations()
    {
        string id = $"{Suite}.{Case}";
        var limits = _session.Options.Targets.TryGetValue(Target, out var options) ? options.HostLimits : [];
        return new KnownDeviations(new[] { HostFactsProbe.Collect().KvmModule, TargetOptions.AnyHost }.Distinct()
            .SelectMany(module => (limits.TryGetValue(module, out var entries) ? entries : []).Select(HostLimit.Parse)
                .Where(limit => limit.CaseId == id).Select(limit => (limit, module)))
            .ToList());
    }

    /// <summary>What rig.json says this target must offer (<see cref="TargetInterfaces"/>).</summary>
    private IReadOnlyCollection<string> Offers =>
        _session.Options.Targets.TryGetValue(Target, out var options) ? options.Offers : [];

    private string MustOffer(string name, Record record) =>
        $"{Target} must offer {name} (rig.json targets.{Target}.offers) but the probe found it absent: {record.Line}";

    /// <summary>States the rule the verdict rests on, with its source (SDM section, Xen header); it leads the evidence.</summary>
    public void Oracle(string rule) => Evidence("oracle: " + rule);

    /// <summary>One check: a false <paramref name="condition"/> makes the case fail; either way it is in the evidence.</summary>
    public bool Report(bool condition, string what)
    {
        Evidence((condition ? "PASS: " : "FAIL: ") + what);
        if (!condition)
        {
            _verdict.Fail(what);
        }

        return condition;
    }

    /// <summary>An oracle's problem list: each problem is one failed check; none at all changes nothing.</summary>
    public void ReportAll(IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            Report(false, problem);
        }
    }

    /// <summary>The case could not judge (the probe crashed, printed nothing...): an error, never a pass.</summary>
    public void Error(string why)
    {
        Evidence("ERROR: " + why);
        _verdict.Error(why);
    }

    /// <summary>The target cannot do what the case needs (e.g. snapshots on QEMU): a skip with its reason.</summary>
    public void Skip(string why)
    {
        Evidence("SKIP: " + why);
        _verdict.Skip(why);
    }

    public void Evidence(string line)
    {
        lock (_evidence)
        {
            _evidence.AppendLine(line);
        }
    }

    /// <summary>
    /// One sample for the report's distributions and `rig compare`. <paramref name="judgedBy"/> names the oracle and bound
    /// that judge this quantity (the oracle's own statement of it); left out, the metric is information only.
    /// </summary>
    public void Metric(string name, double value, string unit, string judgedBy = "") =>
        _metrics.Add(new MetricSample(name, value, unit, judgedBy));

    public void Point(string series, double x, double y) => _series.Add(new SeriesPoint(series, x, y));

    /// <summary>Publishes the result and tells NUnit the same verdict. Call once, at the end of the case.</summary>
    public void Complete(string? okSummary = null)
    {
        var result = BuildResult(Case, _verdict.Verdict, _verdict.Summary ?? okSummary ?? "all checks passed", EvidenceText());
        _completed = true;
        _session.Publish(result);
        AssertVerdict(result.Verdict, result.Summary);
    }

    /// <summary>
    /// The ending every probe case shares: the probe must have run to its end with status 0, what it said of itself
    /// is judged (<see cref="JudgeProbeVerdicts"/>), and the verdict is published (<see cref="Complete"/>).
    /// </summary>
    public void Finish(VmExit exit, string okSummary)
    {
        Report(exit.ProbeStatus == 0, $"the probe ran to its end ({exit})");
        JudgeProbeVerdicts();
        Complete(okSummary);
    }

    /// <summary>
    /// For probes that judge themselves (SelfTest): each <c>RIG ok|fail|skip|error &lt;case&gt;...</c> record becomes a
    /// result of its own, named by the probe. The case's own checks (exit status, ...) become a result under the
    /// case's name when they did not pass, and no verdict record at all is an error, never a pass.
    /// </summary>
    public void CompleteWithProbeVerdicts()
    {
        var verdicts = VerdictRecords();
        if (verdicts.Count == 0)
        {
            Error($"the probe printed no verdict for {Case} or {Case}.*; {Exit?.ToString() ?? "the VM did not exit"}");
        }

        var worst = verdicts.Count == 0 ? _verdict.Verdict : Verdict.Ok;
        var summaries = new List<string>();
        var missing = TargetInterfaces.MissingOffered(verdicts, Offers).ToDictionary(m => m.Record, m => m.Interface);
        foreach (var record in verdicts)
        {
            VerdictNames.TryParse(record.Kind, out var verdict);
            var summary = verdict == Verdict.Ok ? "probe reported ok" : $"probe reported {record.Kind}: {record.Line}";
            if (missing.TryGetValue(record, out var name))
            {
                verdict = Verdict.Fail;
                summary = MustOffer(name, record);
            }

            _session.Publish(BuildResult(WithoutSuite(record.Case!), verdict, summary, EvidenceText() + "record: " + record.Line + "\n"));
            worst = Rank(verdict) > Rank(worst) ? verdict : worst;
            if (verdict != Verdict.Ok)
            {
                summaries.Add(missing.ContainsKey(record) ? summary : record.Line);
            }
        }

        if (_verdict.Verdict != Verdict.Ok)
        {
            _session.Publish(BuildResult(Case, _verdict.Verdict, _verdict.Summary ?? "", EvidenceText()));
            worst = Rank(_verdict.Verdict) > Rank(worst) ? _verdict.Verdict : worst;
            summaries.Insert(0, _verdict.Summary ?? "");
        }

        _completed = true;

        // A skipped sub-check beside passing ones does not make the whole run a skip: NUnit shows skip only when nothing ran.
        var outcome = worst == Verdict.Skip && verdicts.Any(r => r.Kind == Verdict.Ok.ToWire()) ? Verdict.Ok : worst;
        AssertVerdict(outcome, string.Join("; ", summaries));
    }

    public async ValueTask DisposeAsync()
    {
        await Vm.DisposeAsync().ConfigureAwait(false);
        await _drain.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!_completed)
        {
            _session.HoldIncomplete(BuildResult(Case, Verdict.Error, "the case ended without a verdict", EvidenceText()));
        }
    }

    private static int Rank(Verdict v) => v switch { Verdict.Ok => 0, Verdict.Skip => 1, Verdict.Fail => 2, _ => 3 };

    private static void AssertVerdict(Verdict verdict, string summary)
    {
        switch (verdict)
        {
            case Verdict.Fail:
                Assert.Fail(summary);
                break;
            case Verdict.Error:
                throw new CaseErrorException(summary);
            case Verdict.Skip:
                Assert.Ignore(summary);
                break;
        }
    }

    private bool BelongsHere(string? recordCase) => CaseIds.NamesOrPart(recordCase, Suite, Case);

    /// <summary>The case name a result is stored under: a probe prints its id (apic.x), the store keeps suite and case apart.</summary>
    private string WithoutSuite(string recordCase) =>
        recordCase.StartsWith(Suite + ".", StringComparison.Ordinal) ? recordCase[(Suite.Length + 1)..] : recordCase;

    private string EvidenceText()
    {
        lock (_evidence)
        {
            return _evidence.ToString();
        }
    }

    private CaseResult BuildResult(string caseName, Verdict verdict, string summary, string evidence)
    {
        var metrics = new List<MetricSample>(_metrics);
        foreach (var r in Records.Where(r => r.Kind == "metric" && (r.Case == caseName || r.Case == $"{Suite}.{caseName}")))
        {
            foreach (var (name, value) in r.Fields.Where(f => f.Key != "unit"))
            {
                if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                {
                    metrics.Add(new MetricSample(name, v, r["unit"] ?? ""));
                }
            }
        }

        return new CaseResult(Suite, caseName, Target, verdict, summary, evidence, metrics, [.. _series], Log(), _started, _clock.Elapsed);
    }

    private string Log()
    {
        var log = new StringBuilder();
        log.AppendLine("== COM1");
        foreach (var line in Vm.Com1Lines)
        {
            if (log.Length > MaxLogChars)
            {
                log.AppendLine("[rig: log cut]");
                break;
            }

            log.AppendLine(line);
        }

        if (Vm.Com2Transcript.Count > 0)
        {
            log.AppendLine("== COM2");
            foreach (var line in Vm.Com2Transcript.Take(1000))
            {
                log.AppendLine(line);
            }
        }

        var hostRecords = Vm.HostRecords;
        if (hostRecords.Count > 0)
        {
            log.AppendLine("== VMM records");
            foreach (var record in hostRecords.Take(1000))
            {
                log.AppendLine(record.Line);
            }
        }

        if (Vm.VmmDiagnostics.Trim().Length > 0)
        {
            log.AppendLine("== VMM stderr").AppendLine(Vm.VmmDiagnostics.Trim());
        }

        return log.ToString();
    }

    private async Task DrainRecordsAsync()
    {
        await foreach (var record in Vm.Records.ReadAllAsync().ConfigureAwait(false))
        {
            lock (_records)
            {
                _records.Add(record);
                var arrived = _recordArrived;
                _recordArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                arrived.SetResult();
            }
        }
    }

    private static CaseErrorException PublishError(RigSession session, string suite, string caseName, string target, string why, Exception? inner)
    {
        session.Publish(Result(suite, caseName, target, Verdict.Error, why, why, DateTimeOffset.UtcNow, TimeSpan.Zero));
        return new CaseErrorException(why, inner);
    }

    private static CaseResult Result(string suite, string caseName, string target, Verdict verdict, string summary, string evidence, DateTimeOffset started, TimeSpan duration) =>
        new(suite, caseName, target, verdict, summary, evidence, [], [], "", started, duration);

    /// <summary>The suite of the running NUnit test, from its assembly's name (see <see cref="SuiteNames"/>).</summary>
    private static string CurrentSuite()
    {
        var assembly = TestExecutionContext.CurrentContext.CurrentTest.TypeInfo?.Assembly.GetName().Name ?? "";
        return SuiteNames.FromAssemblyName(assembly) ?? assembly;
    }
}
