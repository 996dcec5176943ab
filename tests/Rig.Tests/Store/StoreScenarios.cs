using Rig.Results;
using Rig.Store;

namespace Rig.Tests.Store;

/// <summary>What every store engine must do; SQLite and PostgreSQL tests run the same scenarios.</summary>
public static class StoreScenarios
{
    private const string HostileText = "bad\0byte \uD800 lone surrogate <script>alert(1)</script> & \"quotes\" 'single'";

    public static void RoundTripKeepsEverything(string location)
    {
        var run = SampleRuns.Run("r1", "run-a");
        var metrics = new List<MetricSample>
        {
            new("first_tick_us", 812.5, "us"),
            new("first_tick_us", 799.25, "us"),
            new("first_tick_us", double.NaN, "us"),
            new("drift_ppm", double.PositiveInfinity, "ppm"),
        };
        var series = new List<SeriesPoint> { new("vcpu0.tsc", 0, 0.5), new("vcpu0.tsc", 1.5, -2.25), new("vcpu1.tsc", 0, double.NaN) };
        var failing = SampleRuns.Result("timer-after-reboot", "qemu-kvm", Verdict.Fail, metrics, series, evidence: HostileText, repeat: 2);
        using (var store = ResultStore.Open(location))
        {
            store.BeginRun(run);
            store.Add(run.RunId, SampleRuns.Result("reset-state", "reference", Verdict.Ok));
            store.Add(run.RunId, failing);
            store.EndRun(run.RunId, SampleRuns.Epoch.AddMinutes(3));
        }

        using var reopened = ResultStore.Open(location);
        Assert.Equal(["r1"], reopened.Releases());
        var stored = Assert.Single(reopened.Runs("r1"));
        Assert.Equal(SampleRuns.Epoch.AddMinutes(3), stored.Ended);
        Assert.Equal(run.Started, stored.Info.Started);
        Assert.Null(stored.Info.Defect);
        Assert.Equal(run.Host with { KvmParameters = stored.Info.Host.KvmParameters }, stored.Info.Host);
        Assert.Equal(run.Host.KvmParameters.OrderBy(p => p.Key), stored.Info.Host.KvmParameters.OrderBy(p => p.Key));
        Assert.Equal(run.Targets, stored.Info.Targets);
        Assert.Equal(SampleRuns.Settings, stored.Info.Settings);

        var results = reopened.Results(run.RunId);
        Assert.Equal(["reset-state", "timer-after-reboot"], results.Select(r => r.Case));
        var back = results[1];
        Assert.Equal((failing.Suite, failing.Target, failing.Verdict, failing.Summary, failing.Log, failing.Started, failing.Duration, failing.Repeat),
            (back.Suite, back.Target, back.Verdict, back.Summary, back.Log, back.Started, back.Duration, back.Repeat));
        Assert.Equal(StoredText.Clean(HostileText), back.Evidence);
        Assert.Contains("<script>", back.Evidence);
        Assert.Equal(metrics, back.Metrics);
        Assert.Equal(series, back.Series);
    }

    public static void ReleaseViewMergesShardsAndReruns(string location)
    {
        using var store = ResultStore.Open(location);
        var old = SampleRuns.Run("r1", "old", 0);
        store.BeginRun(old);
        store.Add(old.RunId, SampleRuns.Result("reset-state", "reference", Verdict.Ok));

        var first = SampleRuns.Run("r2", "first", 10);
        store.BeginRun(first);
        store.Add(first.RunId, SampleRuns.Result("reset-state", "reference", Verdict.Ok));
        store.Add(first.RunId, SampleRuns.Result("reset-state", "qemu-kvm", Verdict.Fail));
        store.EndRun(first.RunId, SampleRuns.Epoch.AddMinutes(11));
        var rerun = SampleRuns.Run("r2", "rerun", 20);
        store.BeginRun(rerun);
        store.Add(rerun.RunId, SampleRuns.Result("reset-state", "qemu-kvm", Verdict.Ok));
        store.Add(rerun.RunId, SampleRuns.Result("reset-state", "qemu-kvm", Verdict.Ok, repeat: 1));
        var mutate = SampleRuns.Run("r2", "mutate", 30, defect: "stale-isr-on-reset");
        store.BeginRun(mutate);
        store.Add(mutate.RunId, SampleRuns.Result("reset-state", "reference", Verdict.Fail));

        Assert.Equal(["r1", "r2"], store.Releases());
        Assert.Equal("rerun", store.LatestRun("r2")?.RunId);
        Assert.Equal(["mutate"], store.MutateRuns("r2").Select(r => r.RunId));
        Assert.Null(store.LatestRun("r3"));

        var view = store.LoadRelease("r2");
        Assert.Equal(["first", "rerun"], view.Runs.Select(r => r.RunId));
        Assert.Equal(Verdict.Ok, view.Verdicts[new CaseKey("apic", "reset-state", "qemu-kvm")]);
        Assert.Equal(Verdict.Ok, view.Verdicts[new CaseKey("apic", "reset-state", "reference")]);
        Assert.Equal(3, view.Results.Count);
        Assert.Equal(3, store.Results("r2", new CaseKey("apic", "reset-state", "qemu-kvm")).Count);
    }

    /// <summary>A metric's judgement (the oracle and bound, or "" for information only) comes back as it was stored.</summary>
    public static void MetricJudgementsRoundTrip(string location)
    {
        using var store = ResultStore.Open(location);
        var run = SampleRuns.Run("r1", "run", 0);
        store.BeginRun(run);
        store.Add(run.RunId, SampleRuns.Result("timer", "reference", Verdict.Ok,
            [new MetricSample("events_lost", 0, "events", "EventAccounting: 0"), new MetricSample("rate", 12.5, "1/s")]));

        var samples = store.Results(run.RunId).Single().Metrics;
        Assert.Equal(["EventAccounting: 0", ""], samples.Select(s => s.JudgedBy));
    }

    public static void MetricsAndSeriesComeFromTheReleaseView(string location)
    {
        using var store = ResultStore.Open(location);
        var run = SampleRuns.Run("r1", "run", 0);
        store.BeginRun(run);
        store.Add(run.RunId, SampleRuns.Result("timer", "qemu-kvm", Verdict.Ok, SampleRuns.Latencies("latency", 10, 11)));
        store.Add(run.RunId, SampleRuns.Result("timer", "qemu-kvm", Verdict.Ok, SampleRuns.Latencies("latency", 12), repeat: 1));
        store.Add(run.RunId, SampleRuns.Result("timer", "reference", Verdict.Ok, SampleRuns.Latencies("latency", 99)));

        var samples = store.MetricSamples("r1", new CaseKey("apic", "timer", "qemu-kvm"), "latency");
        Assert.Equal([10.0, 11, 12], samples.Select(s => s.Value));

        store.Add(run.RunId, SampleRuns.Result("drift", "qemu-kvm", Verdict.Ok, series: [new("vcpu0.tsc", 1, 2), new("vcpu1.tsc", 1, 3)]));
        Assert.Equal([2.0, 3], store.Series("r1", new CaseKey("apic", "drift", "qemu-kvm")).Select(p => p.Y));
        Assert.Empty(store.Series("r1", new CaseKey("apic", "timer", "qemu-kvm")));
    }

    public static void FuzzRunsRoundTripUnderTheirRelease(string location)
    {
        var campaign = SampleFuzzRun.WithOneCrash(SampleRuns.Epoch.AddMinutes(5));
        using (var store = ResultStore.Open(location))
        {
            store.AddFuzzRun("r-fuzz", campaign);
        }

        using var reopened = ResultStore.Open(location);
        Assert.Equal(["r-fuzz"], reopened.Releases());
        Assert.Empty(reopened.FuzzRuns("another"));
        var back = Assert.Single(reopened.FuzzRuns("r-fuzz"));
        Assert.Equal(campaign with { Interfaces = back.Interfaces, Epochs = back.Epochs }, back);
        Assert.Equal(campaign.Interfaces, back.Interfaces);
        Assert.Equal(campaign.Epochs, back.Epochs);
        Assert.Equal(SampleFuzzRun.Seed, back.Seed);
        Assert.Equal(SampleFuzzRun.Replay, Assert.Single(back.Findings).Replay);
    }
}
