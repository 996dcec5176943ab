using Rig.Store;

namespace Rig.Report;

/// <summary>
/// The command that reruns one case on one target, for the end of its evidence. The filter is the case id with each
/// '-' as '?', which the runner's case-insensitive glob matches against the NUnit method (timer-after-reboot selects
/// Timer_after_reboot); a probe's sub-result (selftest.timer.x2apic) reruns the case that printed it.
/// </summary>
public static class RerunCommand
{
    public static string For(CaseKey key, int repeats)
    {
        var @case = key.Case.Split('.')[0];
        var repeat = repeats > 1 ? $" --repeat {repeats}" : "";
        return $"./run.sh run --suite {key.Suite} --target {key.Target} --filter '{@case.Replace('-', '?')}'{repeat}";
    }
}
