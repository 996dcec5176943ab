namespace Rig.Suites.Time.Oracles;

/// <summary>
/// One host pause as both sides saw it: the host's stop→cont time, the guest's TSC bracket around the whole request
/// (which contains the pause), and one guest clock's step across it.
/// </summary>
public sealed record PauseObservation(string Clock, double HostPauseNs, double BracketNs, double GuestStepNs);

/// <summary>
/// Across a host pause a guest clock may stand still (QEMU stops kvmclock while the VM is stopped) or advance by the
/// time that passed (the TSC keeps counting), but it may never step back and never move further than the longer of the
/// host's pause and the guest's own bracket of the request and its readings, plus <c>marginNs</c> for a paravirtual
/// clock's rate against the TSC over that time.
/// A jump of years here is seed 000.
/// </summary>
public static class PauseJumps
{
    /// <summary>What the report says judges a clock's step across a pause (<c>pause_step_us</c>).</summary>
    public const string StepBound = "PauseJumps: 0 ≤ step ≤ the longer of the host's pause and the guest's bracket, plus the clock's margin";

    public static IReadOnlyList<string> Check(IEnumerable<PauseObservation> pauses, double marginNs)
    {
        var problems = new List<string>();
        int i = 0;
        foreach (var p in pauses)
        {
            double bound = Math.Max(p.HostPauseNs, p.BracketNs) + marginNs;
            if (p.GuestStepNs < 0)
            {
                problems.Add($"pause {i}: {p.Clock} stepped back {Human.Ns(-p.GuestStepNs)}");
            }
            else if (p.GuestStepNs > bound)
            {
                problems.Add($"pause {i}: {p.Clock} jumped {Human.Ns(p.GuestStepNs)} across a {Human.Ns(p.HostPauseNs)} pause " +
                             $"(guest bracket {Human.Ns(p.BracketNs)}, margin {Human.Ns(marginNs)})");
            }

            i++;
        }

        return problems;
    }
}
