using Rig.Results;

namespace Rig.Tests.Store;

/// <summary>Small, realistic runs and results for the store, comparison, JUnit, plot and report tests.</summary>
public static class SampleRuns
{
    public static readonly DateTimeOffset Epoch = new(2026, 11, 22, 20, 0, 0, TimeSpan.Zero);

    public static HostFacts Host { get; } = new("ci-runner-7", "Intel(R) Xeon(R) Gold 6248", "6.1.0-27-amd64", "kvm_pvm",
        new Dictionary<string, string> { ["nx_huge_pages"] = "N", ["halt_poll_ns"] = "200000" });

    public static IReadOnlyList<TargetInfo> Targets { get; } =
    [
        new("reference", true, null, "rig-hv 0.1"),
        new("qemu-kvm", true, null, "QEMU emulator version 7.2.15"),
        new("xen", false, "xl not found on PATH", ""),
    ];

    /// <summary>A lab run: its rerun commands carry the profile, repeat count and seed.</summary>
    public static RunSettings Settings { get; } = new("lab", 3, 424242);

    public static RunInfo Run(string release, string runId, int minutesAfterEpoch = 0, string? defect = null) =>
        new(runId, release, Epoch.AddMinutes(minutesAfterEpoch), Host, Targets, defect, Settings);

    public static CaseResult Result(string @case, string target, Verdict verdict, IReadOnlyList<MetricSample>? metrics = null,
        IReadOnlyList<SeriesPoint>? series = null, string suite = "apic", int repeat = 0, string evidence = "oracle: SDM 12.4.7.1") =>
        new(suite, @case, target, verdict, $"{@case} {verdict.ToWire()} on {target}", evidence, metrics ?? [], series ?? [],
            $"RIG boot n=1 cpus=1\nRIG {verdict.ToWire()} {@case}\n", Epoch.AddSeconds(repeat), TimeSpan.FromMilliseconds(812),
            repeat);

    public static IReadOnlyList<MetricSample> Latencies(string name, params double[] values) =>
        values.Select(v => new MetricSample(name, v, "us")).ToList();
}
