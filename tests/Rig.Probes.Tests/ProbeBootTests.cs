using Rig.Probes.Host;

namespace Rig.Probes.Tests;

/// <summary>
/// Boots the generic probes on every target that runs here and asserts on their RIG lines: hello says ok and
/// exits 0; selftest reports each check ok, or skip with a reason, and never fail or error.
/// </summary>
public sealed class ProbeBootTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // Every check selftest reports, whatever the CPU offers (a missing feature gives `skip`, not silence).
    private static readonly string[] SelfTestChecks =
    [
        "self-test.exception.ud", "self-test.exception.de", "self-test.exception.bp",
        "self-test.timer.oneshot.xapic", "self-test.timer.periodic.xapic", "self-test.timer.tsc-deadline.xapic",
        "self-test.nmi-self-ipi", "self-test.smp", "self-test.pvclock", "self-test.control",
    ];

    [RequiresTargetFact("qemu-tcg")]
    public void HelloOnQemuTcg() => Hello("qemu-tcg");

    [RequiresTargetFact("qemu-kvm")]
    public void HelloOnQemuKvm() => Hello("qemu-kvm");

    [RequiresTargetFact("reference")]
    public void HelloOnReference() => Hello("reference");

    [RequiresTargetFact("reference-xen-pvh")]
    public void HelloOnReferenceXenPvh() => Hello("reference-xen-pvh");

    [RequiresTargetFact("qemu-tcg")]
    public void SelfTestOnQemuTcg() => SelfTest("qemu-tcg");

    [RequiresTargetFact("qemu-kvm")]
    public void SelfTestOnQemuKvm() => SelfTest("qemu-kvm");

    [RequiresTargetFact("reference")]
    public void SelfTestOnReference() => SelfTest("reference");

    /// <summary>The probe runtime's Xen PVH path (PV console, Xen's TSC leaf, SCHEDOP_shutdown) on every CI run.</summary>
    [RequiresTargetFact("reference-xen-pvh")]
    public void SelfTestOnReferenceXenPvh() => SelfTest("reference-xen-pvh");

    private static void Hello(string target)
    {
        ProbeRun run = ProbeRunner.Run(Targets.ByName(target), Targets.Image("Hello"), 1, "", Timeout);
        Assert.False(run.TimedOut, Describe(run));
        Assert.Contains("RIG ok hello", run.Com1Lines);
        Assert.Contains(run.Com1Lines, l => l.StartsWith("RIG boot n=", StringComparison.Ordinal));
        Assert.True(run.ProbeStatus == 0, Describe(run));
    }

    private static void SelfTest(string target)
    {
        ProbeRun run = ProbeRunner.Run(Targets.ByName(target), Targets.Image("SelfTest"), 4, "", Timeout);
        Assert.False(run.TimedOut, Describe(run));
        string[] verdicts = [.. run.Verdicts];
        foreach (string check in SelfTestChecks)
        {
            Assert.True(verdicts.Any(v => v.Split(' ')[2] == check), $"no verdict for {check}\n{Describe(run)}");
        }
        foreach (string verdict in verdicts)
        {
            bool ok = verdict.StartsWith("RIG ok ", StringComparison.Ordinal);
            bool skipWithReason = verdict.StartsWith("RIG skip ", StringComparison.Ordinal) && verdict.Contains(" reason=", StringComparison.Ordinal);
            Assert.True(ok || skipWithReason, $"{verdict}\n{Describe(run)}");
        }
        Assert.True(run.ProbeStatus == 0, Describe(run));
    }

    private static string Describe(ProbeRun run) =>
        $"exit={run.ExitCode} timed_out={run.TimedOut}\nCOM1:\n{string.Join('\n', run.Com1Lines)}\nstderr:\n{run.Stderr}";
}
