using Rig.Protocol;

namespace Rig.Suites.Apic.Oracles;

/// <summary>
/// The LAPIC timer's rules, SDM Vol. 3A §12.5.4: in one-shot mode the timer interrupts once when the count
/// reaches zero; in periodic mode it reloads and interrupts every period; in TSC-deadline mode (§12.5.4.1) it
/// interrupts once the TSC reaches the deadline, never before; a masked LVT entry (§12.5.1) delivers nothing
/// while the count still runs. Lateness is a distribution for the report, not a verdict: a host may be slow,
/// but it may not lose, duplicate, advance or leak a timer interrupt.
/// </summary>
/// <remarks>
/// One <c>RIG tmode apic=xapic|x2apic mode=oneshot|periodic|tsc-deadline|masked armed=N delivered=N extra=N
/// early=N</c> record per mode, or <c>unsupported=reason</c> where the CPU lacks the mode.
/// </remarks>
public static class TimerModeRules
{
    public static IReadOnlyList<string> Check(IEnumerable<Record> modes)
    {
        var problems = new List<string>();
        foreach (var m in modes)
        {
            var what = $"{m["mode"]} ({m["apic"]})";
            if (m["unsupported"] is not null)
            {
                continue;
            }

            long armed = m.GetInt64("armed"), delivered = m.GetInt64("delivered");
            long extra = m.GetInt64("extra"), early = m.GetInt64("early");
            switch (m["mode"])
            {
                case "masked" when delivered != 0:
                    problems.Add($"{what}: {delivered} of {armed} masked timers delivered (SDM 12.5.1: the mask inhibits the interrupt)");
                    break;
                case "masked":
                    break;
                case "periodic" when delivered < armed:
                    problems.Add($"{what}: {delivered} of {armed} periodic ticks arrived (SDM 12.5.4: the count reloads and interrupts each period)");
                    break;
                case "oneshot" or "tsc-deadline" when delivered < armed:
                    problems.Add($"{what}: {armed - delivered} of {armed} armed timers never delivered");
                    break;
            }

            if (extra > 0)
            {
                problems.Add($"{what}: {extra} extra interrupts after one-shot expiries (SDM 12.5.4: one interrupt per arming)");
            }

            if (early > 0)
            {
                problems.Add($"{what}: {early} of {delivered} deadline interrupts came before the TSC reached the deadline (SDM 12.5.4.1)");
            }
        }

        return problems;
    }
}
