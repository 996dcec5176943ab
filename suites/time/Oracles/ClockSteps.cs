using System.Globalization;
using Rig.Protocol;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time.Oracles;

/// <summary>
/// A clock read back to back on one vCPU must never go backwards: the TSC counts up at a constant rate (SDM Vol. 3B
/// 18.17, invariant TSC) and a pvclock is monotonic per vCPU (Xen public/xen.h, vcpu_time_info) while its records promise
/// PVCLOCK_TSC_STABLE_BIT. Without that bit a vCPU's record follows the physical CPU it runs on, each calibrated on its
/// own, and Xen leaves monotonicity to the guest ("domains cope with this bit changing ... or if it further requires
/// monotonicity checks", xen/arch/x86/time.c collect_time_info; Linux's pvclock_clocksource_read keeps a global
/// last_value for it): a step back across such an update (<c>back_unpromised=</c>) is evidence, not a failure, and one
/// within a record, or under the bit, is. Seed 000's bug shows
/// as a backward step or as one forward step of years (a negative delta scaled as unsigned), so a forward step longer
/// than the whole check lasted (by the TSC) plus <see cref="JumpSlackNs"/> is a jump, not time passing.
/// </summary>
/// <remarks>
/// One <c>RIG steps clock=C cpu=N reads=N back=N worst_back_ns=N max_fwd_ns=N span_ns=N [first_back_prev=..
/// first_back_now=..] [back_unpromised=N worst_back_unpromised_ns=N] sum=N</c> record per vCPU and clock (suites/time/probes/Shared/StepCheck.cs).
/// </remarks>
public static class ClockSteps
{
    /// <summary>A vCPU descheduled on a loaded host may miss this much of the check's span; far below a jump of years.</summary>
    public const double JumpSlackNs = 1e9;

    /// <summary>What the report says judges a clock's largest forward step (<c>max_step_us</c>).</summary>
    public static readonly string StepBound =
        $"ClockSteps: never back, and no forward step longer than the check's span + {JumpSlackNs / 1e9:0} s (SDM Vol. 3B 18.17; public/xen.h vcpu_time_info)";

    /// <summary>The numbers a `RIG steps` record must carry to be judged.</summary>
    public static readonly string[] Numbers = [StepsRecord.Cpu, StepsRecord.Reads, StepsRecord.Back, StepsRecord.WorstBackNs, StepsRecord.MaxForwardNs, StepsRecord.SpanNs];

    /// <summary>
    /// Records that cannot be judged (damaged, a number missing, or numbers that do not add up to the record's
    /// <c>sum=</c>: bytes lost on the way, which can leave a record that still parses): the case errors on them.
    /// </summary>
    public static IReadOnlyList<Record> Unreadable(IEnumerable<Record> steps) => [.. steps.Where(s => !Judgeable(s))];

    /// <summary>The problems of every readable record; <see cref="Unreadable"/> ones are left out, not guessed at.</summary>
    public static IReadOnlyList<string> Check(IEnumerable<Record> steps)
    {
        var problems = new List<string>();
        foreach (var s in steps.Where(Judgeable))
        {
            var what = $"{s[StepsRecord.Clock]} on vCPU {s[StepsRecord.Cpu]}";
            long reads = s.GetInt64(StepsRecord.Reads), back = s.GetInt64(StepsRecord.Back);
            if (back > 0)
            {
                problems.Add($"{what} stepped back {back} times in {reads} reads, worst {Human.Ns(s.GetDouble(StepsRecord.WorstBackNs))} " +
                             $"(first: {s[StepsRecord.FirstBackPrevious]} then {s[StepsRecord.FirstBackNow]})");
            }

            double forward = s.GetDouble(StepsRecord.MaxForwardNs), span = s.GetDouble(StepsRecord.SpanNs);
            if (forward > span + JumpSlackNs)
            {
                problems.Add($"{what} jumped {Human.Ns(forward)} forward in one step of a {Human.Ns(span)} check");
            }
        }

        return problems;
    }

    /// <summary>What each readable record stepped back where the ABI did not promise otherwise (see the class): evidence for the case.</summary>
    public static IReadOnlyList<string> Unpromised(IEnumerable<Record> steps) =>
        [.. steps.Where(s => Judgeable(s) && s[StepsRecord.BackUnpromised] is not null).Select(s =>
            $"{s[StepsRecord.Clock]} on vCPU {s[StepsRecord.Cpu]} stepped back {s[StepsRecord.BackUnpromised]} times, worst " +
            $"{Human.Ns(s.GetDouble(StepsRecord.WorstBackUnpromisedNs))}, each across a record update without PVCLOCK_TSC_STABLE_BIT: " +
            "the ABI leaves those to the guest (xen/arch/x86/time.c collect_time_info), so they are not judged")];

    /// <summary>Whether the record is whole: every number it must carry, and all of its numbers adding up to its sum.</summary>
    public static bool Judgeable(Record s) => Readable.Has(s, Numbers) && SumHolds(s);

    private static bool SumHolds(Record s) =>
        ulong.TryParse(s[StepsRecord.Sum], NumberStyles.None, CultureInfo.InvariantCulture, out ulong expected) && SumOf(s) == expected;

    /// <summary>The wrapping sum of every number of the record but its <c>sum=</c>, as the probe adds them; null if one is not a number.</summary>
    public static ulong? SumOf(Record s)
    {
        ulong sum = 0;
        foreach (var (_, value) in s.Fields.Where(f => f.Key is not (StepsRecord.Clock or StepsRecord.Sum)))
        {
            if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
            {
                return null;
            }

            sum = unchecked(sum + n);
        }

        return sum;
    }
}
