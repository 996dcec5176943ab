namespace Rig.Suites.Time.Oracles;

/// <summary>The steps between consecutive readings of one clock on one vCPU.</summary>
public sealed record StepStats(
    long Readings,
    long BackwardSteps,
    long WorstBackward,
    long WorstBackwardAt,
    ulong MaxForward,
    long MaxForwardAt,
    ulong MedianStep,
    ulong P999Step);

/// <summary>
/// A clock read back to back on one CPU must never go backwards: the TSC counts up at a constant rate
/// (SDM Vol. 3B §18.17, invariant TSC) and a pvclock is monotonic per vCPU (Xen public/xen.h,
/// vcpu_time_info). Seed 000's bug shows as a backward step or as one forward step of years:
/// a negative delta scaled as unsigned. Both are found here; the step distribution is the evidence.
/// </summary>
public static class ClockSteps
{
    public static StepStats Analyze(ReadOnlySpan<ulong> readings)
    {
        long backward = 0, worstBack = 0, worstBackAt = -1, maxFwdAt = -1;
        ulong maxFwd = 0;
        var steps = new ulong[Math.Max(0, readings.Length - 1)];
        for (int i = 1; i < readings.Length; i++)
        {
            ulong prev = readings[i - 1], now = readings[i];
            if (now < prev)
            {
                backward++;
                long back = (long)Math.Min(prev - now, long.MaxValue);
                if (back > worstBack)
                {
                    worstBack = back;
                    worstBackAt = i;
                }

                continue;
            }

            ulong step = now - prev;
            steps[i - 1] = step;
            if (step > maxFwd)
            {
                maxFwd = step;
                maxFwdAt = i;
            }
        }

        Array.Sort(steps);
        return new StepStats(
            readings.Length, backward, worstBack, worstBackAt, maxFwd, maxFwdAt,
            Percentile(steps, 0.5), Percentile(steps, 0.999));
    }

    private static ulong Percentile(ulong[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];
}
