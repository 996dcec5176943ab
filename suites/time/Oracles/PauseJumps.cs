namespace Rig.Suites.Time.Oracles;

/// <summary>One host pause as both sides saw it: the host's measured stop→cont time and the guest clock's step across it.</summary>
public sealed record PauseObservation(double HostPauseUs, double GuestStepUs);

/// <summary>
/// Across a host pause a guest clock may stand still (QEMU stops kvmclock while the VM is stopped) or
/// advance by the time the VM was stopped (the TSC keeps counting), but it may never step back and never
/// jump further than the pause plus <c>marginUs</c> (the guest's own time between its two readings and the
/// host's timing error). A jump of years here is seed 000.
/// </summary>
public static class PauseJumps
{
    public static IReadOnlyList<string> Check(IEnumerable<PauseObservation> pauses, double marginUs)
    {
        var problems = new List<string>();
        int i = 0;
        foreach (var p in pauses)
        {
            if (p.GuestStepUs < 0)
            {
                problems.Add($"pause {i}: guest clock stepped back {-p.GuestStepUs:0.###} us");
            }
            else if (p.GuestStepUs > p.HostPauseUs + marginUs)
            {
                problems.Add($"pause {i}: guest clock jumped {p.GuestStepUs:0.###} us across a {p.HostPauseUs:0.###} us pause (margin {marginUs:0} us)");
            }

            i++;
        }

        return problems;
    }
}
