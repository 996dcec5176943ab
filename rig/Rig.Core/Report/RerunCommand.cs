using Rig.Results;
using Rig.Store;

namespace Rig.Report;

/// <summary>
/// The command that reruns one case on one target, for the end of its evidence. The filter is the case id, which the
/// runner matches against the id each fixture's class name gives (TimerAfterReboot is timer-after-reboot); a probe's
/// sub-result (selftest.timer.x2apic) reruns the case that printed it. The run's profile, repeat count and seed come
/// along (issue 20), so the rerun picks the same counts and makes the same random choices; a run stored before runs
/// kept them reruns with the repeats the report saw.
/// </summary>
public static class RerunCommand
{
    public static string For(CaseKey key, RunSettings? settings, int repeatsSeen)
    {
        var @case = key.Case.Split('.')[0];
        var command = $"./run.sh run --suite {key.Suite} --target {key.Target} --filter {@case}";
        if (settings is null)
        {
            return repeatsSeen > 1 ? $"{command} --repeat {repeatsSeen}" : command;
        }

        return $"{command} --profile {settings.Profile} --repeat {settings.Repeats} --seed {settings.Seed}";
    }
}
