using NUnit.Framework;
using Rig.Cases;

namespace Rig.Suites.Smoke;

/// <summary>
/// smoke.self-test: boots the probe runtime's SelfTest (guest-probes, artifacts/probes/SelfTest.elf) and turns
/// each <c>RIG ok|fail|skip self-test.X</c> line into a result. It proves the whole path — image, boot, COM1,
/// COM2, exit port — on each target before any conformance suite is believed.
/// </summary>
[TestFixture]
public sealed class SelfTest
{
    /// <summary>
    /// Past the probe's own wait for an answer on Xen (half the 120 s watchdog, XenDomainVm.GuestCommandLine), so a lost
    /// ack ends as the probe's control fail line rather than as a case bound that ran out first (seen on xen-tcg).
    /// </summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var probe = await RigCase.BootAsync(target, append: "seconds=1 control=1", vcpus: 4);
        var exit = await probe.RunToExitAsync(Bound);

        probe.Oracle("docs/protocol.md: the probe's exit status (isa-debug-exit, (v << 1) | 1) is 0 exactly when none of its checks failed");
        probe.Report(exit.ProbeStatus is not null, $"the probe ended through the debug-exit port ({exit})");
        var anyFailed = probe.VerdictRecords().Any(r => r.Kind is "fail" or "error");
        if (exit.ProbeStatus is { } status)
        {
            probe.Report(status == 0 != anyFailed, $"exit status {status} agrees with the verdict lines (any failed: {anyFailed})");
        }

        probe.CompleteWithProbeVerdicts();
    }
}
