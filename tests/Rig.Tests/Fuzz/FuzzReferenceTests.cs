using Rig.Fuzz;

namespace Rig.Tests.Fuzz;

/// <summary>
/// A short <c>rig fuzz</c> on the reference hypervisor with a fixed seed (issue 21): it fails if rig-hv crashes or hangs
/// under the fuzzing probe, and proves the campaign counts inputs and reads coverage. Skipped, with the reason, where the
/// reference cannot run (no /dev/kvm, rig-hv or the probe image not built).
/// </summary>
public sealed class FuzzReferenceTests
{
    private const ulong Seed = 20261202;

    [RequiresReferenceFact]
    public async Task Twenty_seconds_of_fuzzing_leave_rig_hv_running_and_answering()
    {
        var settings = new FuzzSettings(TimeSpan.FromSeconds(20), Seed, Vcpus: 2, EpochLength: TimeSpan.FromSeconds(10));
        var logged = new List<string>();
        var report = await new FuzzCampaign(RequiresReferenceFactAttribute.Target(), RequiresReferenceFactAttribute.Image, settings, logged.Add)
            .RunAsync(CancellationToken.None);

        Assert.True(report.Clean, string.Join(Environment.NewLine, report.Findings.Select(f => $"{f.Outcome}: {f.Evidence}; replay: {f.ReplayCommand}").Concat(logged)));
        Assert.True(report.Inputs > 0, string.Join(Environment.NewLine, logged));
        Assert.NotEmpty(report.Sites);
    }
}
