using Rig.Results;
using Rig.Store;
using Rig.Tests.Store;

namespace Rig.Tests.Report;

/// <summary>
/// Two releases as a real rig run would leave them: five targets (xen unavailable), cases of every suite
/// with repeats, latency distributions, per-vCPU drift series, a verdict regression with hostile evidence,
/// a latency drift, a mutate run per seeded defect (one surviving), and a fuzz campaign with one crash.
/// </summary>
public static class SyntheticStore
{
    public const string Baseline = "6.1-rc1";
    public const string Release = "6.1-rc2";

    /// <summary>The oracle and bound the synthetic nmi_latency_us samples say judge them.</summary>
    public const string JudgedNmiLatency = "NmiRules: at most 1000 us (SDM 6.7.1)";
    public const string HostileEvidence = "kvmclock went back: delta=-18446744073 <script>alert('pwned')</script> \u001b[31mred\u001b[0m & more";

    public static readonly string[] Defects =
        ["nmi-dropped-while-masked", "scale-delta-unsigned", "set-link-unbounded", "stale-isr-on-reset", "unmask-without-lock"];

    private static readonly TargetInfo[] Targets =
    [
        new("reference", true, null, "rig-hv 0.1.0"),
        new("qemu-kvm", true, null, "QEMU 7.2.15 (Debian 1:7.2+dfsg-7+deb12u12), kernel-irqchip=on"),
        new("qemu-kvm-userapic", true, null, "QEMU 7.2.15, kernel-irqchip=off"),
        new("qemu-tcg", true, null, "QEMU 7.2.15, accel=tcg"),
        new("xen", false, "xl not found on PATH (lab machines only)", ""),
    ];

    public static void Fill(ResultStore store)
    {
        Clean(store, Baseline, 0, regressed: false, seed: 1);
        Clean(store, Release, 60, regressed: true, seed: 2);
        var minute = 120;
        foreach (var defect in Defects)
        {
            var run = SampleRuns.Run(Release, $"mutate-{defect}", minute++, defect) with { Targets = [Targets[0]] };
            store.BeginRun(run);
            foreach (var (suite, @case) in Cases)
            {
                var caught = Catches(defect, @case);
                store.Add(run.RunId, SampleRuns.Result(@case, "reference", caught ?? Verdict.Ok, suite: suite,
                    evidence: caught == Verdict.Fail ? $"seeded defect {defect} broke the oracle of {suite}.{@case}" : "ok"));
            }

            store.EndRun(run.RunId, run.Started.AddMinutes(1));
        }

        store.AddFuzzRun(Release, SampleFuzzRun.WithOneCrash(SampleRuns.Epoch.AddMinutes(minute)));
    }

    private static readonly (string Suite, string Case)[] Cases =
    [
        ("apic", "isr-priority"), ("apic", "reset-state"), ("apic", "timer-after-reboot"),
        ("evtchn", "fifo-tail-unmask"), ("nmi-mce", "nmi-nesting"), ("sched", "vcpu-migrate-destroy"),
        ("time", "pvclock-scale-delta"), ("time", "tsc-monotonic"),
    ];

    private static Verdict? Catches(string defect, string @case) => (defect, @case) switch
    {
        ("nmi-dropped-while-masked", "nmi-nesting") => Verdict.Fail,
        ("scale-delta-unsigned", "pvclock-scale-delta") => Verdict.Fail,
        ("scale-delta-unsigned", "tsc-monotonic") => Verdict.Fail,
        ("set-link-unbounded", "fifo-tail-unmask") => Verdict.Fail,
        ("stale-isr-on-reset", "timer-after-reboot") => Verdict.Fail,
        ("stale-isr-on-reset", "reset-state") => Verdict.Fail,
        ("unmask-without-lock", "fifo-tail-unmask") => Verdict.Error, // hung the VM: not a kill
        _ => null,
    };

    private static void Clean(ResultStore store, string release, int minute, bool regressed, int seed)
    {
        var run = SampleRuns.Run(release, $"{release}-run", minute) with { Targets = Targets };
        store.BeginRun(run);
        var random = new Random(seed); // fixed: the tests rely on exactly one drift regression
        foreach (var target in Targets.Where(t => t.Available).Select(t => t.Name))
        {
            foreach (var (suite, @case) in Cases)
            {
                for (var repeat = 0; repeat < 3; repeat++)
                {
                    store.Add(run.RunId, Result(suite, @case, target, repeat, regressed, random));
                }
            }
        }

        store.EndRun(run.RunId, run.Started.AddMinutes(20));
    }

    private static CaseResult Result(string suite, string @case, string target, int repeat, bool regressed, Random random)
    {
        var (verdict, evidence) = (suite, @case, target) switch
        {
            ("apic", "isr-priority", "qemu-kvm") => (Verdict.Fail,
                "RIG fail apic.isr-priority vector=0x31 isr=0 ppr=0\nSDM 12.8.4: an accepted interrupt sets its ISR bit and raises PPR; the in-kernel LAPIC never set ISR (kvm_pvm)"),
            ("evtchn", _, not "reference") => (Verdict.Skip, "target has no event channels"),
            ("time", "pvclock-scale-delta", "qemu-kvm") when regressed => (Verdict.Fail, HostileEvidence),
            ("sched", _, "qemu-tcg") when repeat == 2 => (Verdict.Error, "VM did not answer within 30 s (watchdog)"),
            _ => (Verdict.Ok, $"oracle held on {target}"),
        };
        var emulated = target == "qemu-tcg" ? 6.0 : 1.0;
        var slow = target == "qemu-tcg" && regressed ? 9.0 : emulated;
        var metrics = @case switch
        {
            "timer-after-reboot" => Enumerable.Range(0, 10).Select(_ => new MetricSample("first_tick_us", slow * (800 + (random.NextDouble() * 120)) * (random.Next(20) == 0 ? 4 : 1), "us")).ToList(),
            "nmi-nesting" => Enumerable.Range(0, 10).Select(_ => new MetricSample("nmi_latency_us", 3 + (random.NextDouble() * 2 * emulated), "us", JudgedNmiLatency)).ToList(),
            _ => new List<MetricSample>(),
        };
        var series = @case == "tsc-monotonic" && repeat == 0
            ? Enumerable.Range(0, 2).SelectMany(vcpu => Enumerable.Range(0, 40).Select(i =>
                new SeriesPoint($"vcpu{vcpu}.tsc", i * 0.25, (target == "qemu-tcg" ? vcpu * 0.8 * i * 0.25 : 0) + (random.NextDouble() - 0.5) * 0.2))).ToList()
            : [];
        return SampleRuns.Result(@case, target, verdict, metrics, series, suite, repeat, evidence);
    }
}
