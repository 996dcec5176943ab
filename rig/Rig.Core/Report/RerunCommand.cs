using Rig.Store;

namespace Rig.Report;

/// <summary>
/// The command that reruns one case on one target, for the end of its evidence. The filter is the case id, which the
/// runner matches against the id each fixture's class name gives (TimerAfterReboot is timer-after-reboot); a probe's
/// sub-result (selftest.timer.x2apic) reruns the case that printed it.
/// </summary>
public static class RerunCommand
{
    public static string For(CaseKey key, int repeats)
    {
        var @case = key.Case.Split('.')[0];
        var repeat = repeats > 1 ? $" --repeat {repeats}" : "";
        return $"./run.sh run --suite {key.Suite} --target {key.Target} --filter {@case}{repeat}";
    }
}
