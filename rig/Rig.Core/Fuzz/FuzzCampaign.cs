using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rig.Com2;
using Rig.Guest;
using Rig.Qmp;
using Rig.Targets;

namespace Rig.Fuzz;

/// <summary>
/// <c>rig fuzz</c>'s loop (issue 21): epochs of one VM each, booted with the fuzzing probe and an epoch seed, until the
/// campaign's time is spent. During an epoch the host pings the VMM every <see cref="FuzzSettings.PingPeriod"/> (a QMP
/// pmemsave of the probe's status block, and x-rig-coverage on the reference), each reply bounded, answers the probe's
/// COM2 requests, and now and then resets the machine or injects an NMI itself, at seeded times. After the epoch the VMM
/// is told to quit; <see cref="FuzzJudge"/> judges how it ended. The next epoch's weights follow the coverage it found.
/// </summary>
public sealed class FuzzCampaign(ITarget target, string probeImage, FuzzSettings settings, Action<string> log)
{
    private static readonly TimeSpan QuitBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(10);

    public async Task<FuzzReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var weights = settings.FixedWeights ?? FuzzWeights.Default;
        var seen = new HashSet<FuzzSite>();
        var epochs = new List<FuzzEpoch>();
        var findings = new List<FuzzFinding>();
        for (int e = 0; e < settings.MaxEpochs && clock.Elapsed < settings.Duration; e++)
        {
            var left = settings.Duration - clock.Elapsed;
            var length = left < settings.EpochLength ? left : settings.EpochLength;
            var epoch = await RunEpochAsync(e, weights, length, cancellationToken).ConfigureAwait(false);
            epochs.Add(epoch);
            var newSites = new int[FuzzInterfaces.Names.Count];
            foreach (var site in epoch.Sites.Where(seen.Add))
            {
                newSites[site.FuzzInterface]++;
            }

            log(string.Create(CultureInfo.InvariantCulture,
                $"epoch {e} seed {epoch.Seed}: {epoch.Inputs} inputs in {epoch.Wall.TotalSeconds:0.0} s, {epoch.Sites.Count} sites ({newSites.Sum()} new, {seen.Count} in all), {epoch.Outcome}: {epoch.Evidence}"));
            if (epoch.Outcome is FuzzOutcome.Crash or FuzzOutcome.Hang)
            {
                findings.Add(new FuzzFinding(e, epoch.Seed, epoch.Weights, epoch.Outcome, epoch.Evidence, ReplayCommand(epoch), epoch.LastInputs));
            }

            if (epoch.Oracles.Violations > 0)
            {
                var perKind = epoch.Oracles.ViolationsPerKind.Select((n, k) => (n, k)).Where(x => x.n > 0).Select(x => $"{x.n} {FuzzViolation.NameOf(x.k + 1)}");
                findings.Add(new FuzzFinding(e, epoch.Seed, epoch.Weights, FuzzOutcome.Violation,
                    $"{string.Join(", ", perKind)}; first: {string.Join("; ", epoch.Oracles.FirstViolations)}", ReplayCommand(epoch),
                    [.. epoch.Oracles.FirstViolations.Select(v => v.ToString())]));
            }

            if (settings.FixedWeights is null)
            {
                weights = weights.Steer(newSites);
            }
        }

        return new FuzzReport(target.Name, settings.Seed, settings.Vcpus, clock.Elapsed, epochs, seen, findings);
    }

    private string ReplayCommand(FuzzEpoch epoch) => string.Create(CultureInfo.InvariantCulture,
        $"rig fuzz --target {target.Name} --vcpus {settings.Vcpus} --seed {epoch.Seed} --weights {epoch.Weights.Text} --epochs 1 --seconds {Math.Ceiling(epoch.Wall.TotalSeconds)} --trace");

    private async Task<FuzzEpoch> RunEpochAsync(int epoch, FuzzWeights weights, TimeSpan length, CancellationToken cancellationToken)
    {
        ulong seed = settings.EpochSeed(epoch);
        var append = $"seed={seed} weights={weights.Text}" + (settings.TraceLog is null ? "" : " trace=1");
        var spec = new VmSpec(probeImage, append, length + QuitBound + settings.QmpBound, settings.Vcpus);
        var clock = Stopwatch.StartNew();
        var tally = new EpochTally();
        IVm booted;
        try
        {
            booted = await target.BootAsync(spec, cancellationToken).ConfigureAwait(false);
        }
        catch (TargetStartException e)
        {
            // The VMM would not even start for this epoch (after earlier ones did): its failure, with its own words.
            return new FuzzEpoch(epoch, seed, weights, 0, new ulong[FuzzInterfaces.Names.Count], 0, 0, 0, 0, new HashSet<FuzzSite>(),
                FuzzOutcome.Crash, $"the VMM did not start: {e.Message}", clock.Elapsed, []);
        }

        await using var vm = booted;
        vm.ServeHostActions(new StandardHostActions());
        var disruptions = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        tally.HostEvents = new HostEventChannelFuzz(new Random(unchecked((int)(seed >> 16))), settings.Vcpus);
        string? hang = null;
        bool ended = false;
        while (clock.Elapsed < length && hang is null && !ended && tally.StoppedState is null)
        {
            await Task.Delay(settings.PingPeriod, cancellationToken).ConfigureAwait(false);
            (hang, ended) = await PingAsync(vm, tally, disruptions, cancellationToken).ConfigureAwait(false);
        }

        bool stoppedByHost = false;
        if (hang is null)
        {
            stoppedByHost = !ended;
            if (!ended && tally.StoppedState is null)
            {
                // The last look before the end: inputs since the previous ping, the whole coverage table, the canary.
                (hang, ended) = await PingAsync(vm, tally, disruptions: null, cancellationToken).ConfigureAwait(false);
                hang ??= await CheckCanaryAsync(vm, tally, cancellationToken).ConfigureAwait(false);
            }

            if (hang is null && !ended && !await vm.QuitAsync(QuitBound, cancellationToken).ConfigureAwait(false))
            {
                hang = $"the VMM did not quit within {QuitBound.TotalSeconds} s of QMP quit";
            }
        }

        var exit = await vm.WaitForExitAsync(ExitBound, cancellationToken).ConfigureAwait(false);
        if (settings.TraceLog is { } traceLog)
        {
            await File.AppendAllLinesAsync(traceLog, vm.Com1Lines, cancellationToken).ConfigureAwait(false);
        }

        var (outcome, evidence) = FuzzJudge.Judge(exit, stoppedByHost && !ended, hang, tally.StoppedState, vm.VmmDiagnostics, vm.Com1Lines);
        if (tally.QmpErrors.Count > 0)
        {
            evidence += $" (QMP: {string.Join("; ", tally.QmpErrors.Distinct().Take(3))})";
        }

        return new FuzzEpoch(epoch, seed, weights, tally.Inputs, tally.PerInterface, tally.Boots, tally.HostResets, tally.HostNmis, tally.Strays,
            tally.Sites, outcome, evidence, clock.Elapsed, tally.LastInputs)
        {
            Oracles = tally.Oracles,
        };
    }

    /// <summary>
    /// At the epoch's end the host compares the canary itself (the probe compares a slice every 1024 inputs, so the last
    /// ones' damage would go unseen): quadwords that differ from <see cref="FuzzLayout.CanaryWord"/> count as canary
    /// violations. Not before the probe filled it (it writes the first quadword last). Returns a hang's evidence.
    /// </summary>
    private async Task<string?> CheckCanaryAsync(IVm vm, EpochTally tally, CancellationToken cancellationToken)
    {
        try
        {
            var canary = await vm.ReadMemoryAsync(FuzzLayout.CanaryGpa, (int)FuzzLayout.CanaryLength, cancellationToken)
                .WaitAsync(settings.QmpBound, cancellationToken).ConfigureAwait(false);
            tally.HostCanary = FuzzCanary.Compare(canary, tally.Boots);
            return null;
        }
        catch (TimeoutException)
        {
            return $"no reply to the canary's pmemsave within {settings.QmpBound.TotalSeconds} s";
        }
        catch (Exception e) when (e is QmpCommandException or QmpConnectionException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            tally.QmpErrors.Add($"canary: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// One ping: the status block, the run state, (reference) the coverage table, then maybe a disruption, each QMP reply
    /// within its bound. Returns a hang's evidence, or that the VM has ended.
    /// </summary>
    private async Task<(string? Hang, bool Ended)> PingAsync(IVm vm, EpochTally tally, Random? disruptions, CancellationToken cancellationToken)
    {
        try
        {
            var block = await vm.ReadMemoryAsync(FuzzStatus.Gpa, FuzzStatus.Length, cancellationToken)
                .WaitAsync(settings.QmpBound, cancellationToken).ConfigureAwait(false);
            if (FuzzStatus.Parse(block) is { } status)
            {
                tally.Observe(status);
            }

            // A VMM that keeps the machine after the guest stopped (rig-hv and QEMU as the rig starts them) pauses it in
            // "shutdown" (a triple fault, SCHEDOP_shutdown) or "guest-panicked"/"internal-error" (an exit it cannot handle).
            var state = await vm.QueryStatusAsync(cancellationToken).WaitAsync(settings.QmpBound, cancellationToken).ConfigureAwait(false);
            if (state is "shutdown" or "guest-panicked" or "internal-error")
            {
                tally.StoppedState = state;
            }

            if (vm.Reference is { } reference)
            {
                // Only the sites this VMM reached since the last ping, a page per reply.
                JsonElement page;
                do
                {
                    page = await reference.VendorCommandAsync("x-rig-coverage", new JsonObject { ["from"] = tally.SitesFetched }, cancellationToken)
                        .WaitAsync(settings.QmpBound, cancellationToken).ConfigureAwait(false);
                }
                while (tally.Cover(page));
            }

            if (disruptions is not null && tally.StoppedState is null)
            {
                if (vm.Reference is { } backend && tally.HostEvents is { } hostEvents && tally.XenPresent)
                {
                    await hostEvents.RunAsync(backend, settings.QmpBound, cancellationToken).ConfigureAwait(false);
                }

                await DisruptAsync(vm, disruptions, tally, cancellationToken).WaitAsync(settings.QmpBound, cancellationToken).ConfigureAwait(false);
            }

            return (null, false);
        }
        catch (TimeoutException)
        {
            return ($"no QMP reply within {settings.QmpBound.TotalSeconds} s while the guest fuzzed; {string.Join("; ", tally.LastInputs)}", false);
        }
        catch (QmpCommandException e)
        {
            // The VMM answered, with an error: alive, and the error is worth a look (a refused pmemsave mid-reset, ...).
            tally.QmpErrors.Add($"{e.Command}: {e.ErrorClass} {e.Description}");
            return (null, false);
        }
        catch (QmpConnectionException e) when (e.InnerException is TimeoutException)
        {
            // The QMP client's own bound passed before the campaign's: slow, not gone (seed 21's first 600 s run with the
            // host's event-channel commands, load 112: taken for the VMM's end, the epoch never sent quit and called the
            // running VMM hung). A VMM that really stopped answering fails the next pings and the quit's bound.
            tally.QmpErrors.Add(e.Message);
            return (null, false);
        }
        catch (Exception e) when (e is QmpConnectionException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The VMM went away (the guest exited, shut down, or the VMM died): the exit says which.
            tally.QmpErrors.Add($"{e.GetType().Name}: {e.Message}");
            return (null, true);
        }
    }

    /// <summary>A QMP system_reset about once a minute and an NMI about every 20 s, at times drawn from the epoch's seed.</summary>
    private static async Task DisruptAsync(IVm vm, Random random, EpochTally tally, CancellationToken cancellationToken)
    {
        int roll = random.Next(60);
        if (roll == 0)
        {
            await vm.SystemResetAsync(cancellationToken).ConfigureAwait(false);
            tally.HostResets++;
        }
        else if (roll < 4)
        {
            await vm.InjectNmiAsync(cancellationToken).ConfigureAwait(false);
            tally.HostNmis++;
        }
    }

    /// <summary>What the pings of one epoch saw, summed over the boots (a reset restarts the probe's counters).</summary>
    private sealed class EpochTally
    {
        private readonly Dictionary<ulong, FuzzStatus> _lastByBoot = [];

        public HashSet<FuzzSite> Sites { get; } = [];

        public List<string> QmpErrors { get; } = [];

        /// <summary>The QMP run state the VM stopped in, when it stopped by itself.</summary>
        public string? StoppedState { get; set; }

        public int HostResets { get; set; }

        public int HostNmis { get; set; }

        public IReadOnlyList<string> LastInputs { get; private set; } = [];

        public int Boots => _lastByBoot.Count;

        public bool XenPresent => _lastByBoot.Values.Any(s => s.XenPresent);

        public HostEventChannelFuzz? HostEvents { get; set; }

        /// <summary>The host's own canary comparison at the epoch's end, when it was made.</summary>
        public FuzzViolation? HostCanary { get; set; }

        public FuzzOracleTally Oracles
        {
            get
            {
                var cpus = _lastByBoot.Values.SelectMany(s => s.Cpus).ToList();
                var perKind = Enumerable.Range(0, FuzzViolation.Kinds.Count)
                    .Select(k => cpus.Aggregate(0UL, (n, c) => n + c.ViolationsPerKind[k]) + (HostCanary is { } host && k + 1 == host.Kind ? host.D : 0)).ToList();
                return new FuzzOracleTally(
                    cpus.Aggregate(0UL, (n, c) => n + c.OracleChecks),
                    cpus.Aggregate(0UL, (n, c) => n + c.CanaryChecks) + (HostCanary is null ? 0 : FuzzLayout.CanaryLength / 8),
                    perKind,
                    [.. cpus.Select(c => c.FirstViolation).OfType<FuzzViolation>(), .. HostCanary is { } damage ? [damage] : Array.Empty<FuzzViolation>()],
                    HostEvents?.Commands ?? 0,
                    HostEvents?.Accepted ?? 0);
            }
        }

        public ulong Inputs => _lastByBoot.Values.Aggregate(0UL, (sum, s) => sum + s.Inputs);

        public ulong Strays => _lastByBoot.Values.Aggregate(0UL, (sum, s) => sum + s.Cpus.Aggregate(0UL, (n, c) => n + c.Strays));

        public IReadOnlyList<ulong> PerInterface =>
            [.. Enumerable.Range(0, FuzzInterfaces.Names.Count).Select(k => _lastByBoot.Values.Aggregate(0UL, (sum, s) => sum + s.Cpus.Aggregate(0UL, (n, c) => n + c.PerInterface[k])))];

        public void Observe(FuzzStatus status)
        {
            _lastByBoot[status.BootNumber] = status;
            LastInputs = [.. status.Cpus.Select(c => c.CurrentInput)];
        }

        /// <summary>Sites of this VMM fetched so far (x-rig-coverage's "from" for the next page).</summary>
        public int SitesFetched { get; private set; }

        /// <summary>Takes one page; true when the VMM has more.</summary>
        public bool Cover(JsonElement page)
        {
            int before = SitesFetched;
            foreach (var site in page.GetProperty("sites").EnumerateArray())
            {
                Sites.Add(new FuzzSite(site.GetProperty("interface").GetString() ?? "", site.GetProperty("handler").GetString() ?? "", site.GetProperty("detail").GetUInt64()));
                SitesFetched++;
            }

            return SitesFetched > before && SitesFetched < page.GetProperty("count").GetInt32();
        }
    }
}
