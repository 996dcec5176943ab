using Rig.Protocol;

namespace Rig.Suites.Apic.Oracles;

/// <summary>
/// The legacy timers and interrupt controllers after a reset, from the <c>RIG pit</c>, <c>RIG pic</c> and <c>RIG hpet</c>
/// records of suites/apic/probes/Shared/PlatformDump.cs (read before anything reprograms them). The boot before each
/// reset left them programmed; a reset returns the platform to its power-on state, so each reading after a reset must
/// equal the first boot's (<c>after=power-on</c>) where the data sheets leave the power-on value to the platform, and
/// must hold the value the specification names where it names one:
/// <list type="bullet">
/// <item>8254: each counter's mode and BCD bits of its read-back status (bits 3:0) as at power-on, not the mode the
/// previous boot programmed (8254 data sheet, read-back command). OUTPUT and NULL COUNT follow the count. The access
/// field (bits 5:4) is reported, not judged (<see cref="Notes"/>): QEMU's reset keeps it (its power-on value, 0, is one
/// software cannot even program), and a guest always writes it with the mode before it uses a counter;</item>
/// <item>8259A: masks as at power-on, nothing in service, and no chip left inside an initialization sequence: both take
/// OCW1 (8259A data sheet, "Initialization Command Words");</item>
/// <item>HPET: halted (ENABLE_CNF = 0, main counter still), LEG_RT_CNF = 0, every timer's Tn_INT_ENB_CNF and Tn_TYPE_CNF
/// 0 (IA-PC HPET 1.0a 2.3.5, 2.3.8), comparators as at power-on.</item>
/// </list>
/// </summary>
public static class PlatformResetState
{
    private const uint HpetEnable = 1 << 0;
    private const uint HpetLegacyRoute = 1 << 1;
    private const uint TimerInterruptEnable = 1 << 2;
    private const uint TimerPeriodic = 1 << 3;

    public static IReadOnlyList<string> Check(IEnumerable<Record> records)
    {
        var readings = records.Where(r => r.Kind is "pit" or "pic" or "hpet").ToList();
        var problems = new List<string>();
        foreach (var kind in new[] { "pit", "pic", "hpet" })
        {
            var powerOn = readings.FirstOrDefault(r => r.Kind == kind && r["after"] == "power-on");
            var afterResets = readings.Where(r => r.Kind == kind && r["after"] != "power-on").ToList();
            if (powerOn is null)
            {
                problems.Add($"{kind}: the probe printed no power-on reading");
                continue;
            }

            if (afterResets.Count == 0)
            {
                problems.Add($"{kind}: the probe printed no reading after a reset");
            }

            if (kind == "hpet")
            {
                problems.AddRange(Hpet(powerOn));
            }

            foreach (var after in afterResets)
            {
                problems.AddRange(kind switch
                {
                    "pit" => Pit(after, powerOn),
                    "pic" => Pic(after, powerOn),
                    _ => Hpet(after).Concat(HpetAsAtPowerOn(after, powerOn)),
                });
            }
        }

        return problems;
    }

    /// <summary>Information, not verdicts: 8254 access fields that differ from power-on after a reset.</summary>
    public static IReadOnlyList<string> Notes(IEnumerable<Record> records)
    {
        var pits = records.Where(r => r.Kind == "pit").ToList();
        var powerOn = pits.FirstOrDefault(r => r["after"] == "power-on");
        return powerOn is null ? [] :
        [
            .. from after in pits.Where(r => r["after"] != "power-on")
               from counter in Enumerable.Range(0, 3)
               let access = after.GetInt64($"status{counter}") >> 4 & 3
               let initial = powerOn.GetInt64($"status{counter}") >> 4 & 3
               where access != initial
               select $"pit after {after["after"]}: counter {counter} access field {access} kept from the previous boot " +
                      $"(power-on {initial}; 8254 read-back status bits 5:4)",
        ];
    }

    private static IEnumerable<string> Pit(Record after, Record powerOn)
    {
        for (int counter = 0; counter < 3; counter++)
        {
            long status = after.GetInt64($"status{counter}") & 0xF, initial = powerOn.GetInt64($"status{counter}") & 0xF;
            if (status != initial)
            {
                yield return $"pit after {after["after"]}: counter {counter} reads back mode {status >> 1 & 7} " +
                             $"(status 0x{after.GetInt64($"status{counter}"):x2}), at power-on mode {initial >> 1 & 7}: the " +
                             "previous boot's programming survived the reset (8254 read-back)";
            }
        }
    }

    private static IEnumerable<string> Pic(Record after, Record powerOn)
    {
        foreach (var chip in new[] { "master", "slave" })
        {
            if (after[$"{chip}_imr"] != powerOn[$"{chip}_imr"])
            {
                yield return $"pic after {after["after"]}: {chip} IMR {after[$"{chip}_imr"]}, at power-on " +
                             $"{powerOn[$"{chip}_imr"]} (a reset returns the 8259A's mask to its power-on value)";
            }

            if (after.GetInt64($"{chip}_isr") != 0)
            {
                yield return $"pic after {after["after"]}: {chip} ISR {after[$"{chip}_isr"]}: an interrupt in service " +
                             "survived the reset (8259A: ISR bits are set only by an acknowledge)";
            }
        }

        if (after["took_mask"] != "1")
        {
            yield return $"pic after {after["after"]}: an 8259A took the runtime's mask as an ICW: the initialization " +
                         "sequence the previous boot left open survived the reset (8259A: ICW1 starts it, a reset ends it)";
        }
    }

    private static IEnumerable<string> Hpet(Record r)
    {
        if (r["present"] != "1")
        {
            yield break;
        }

        long config = r.GetInt64("config");
        if ((config & HpetEnable) != 0 || r["running"] == "1")
        {
            yield return $"hpet {r["after"]}: not halted (GEN_CONF {r["config"]}, counter running={r["running"]}; HPET " +
                         "1.0a 2.3.5: ENABLE_CNF resets to 0, the main counter halted)";
        }

        if ((config & HpetLegacyRoute) != 0)
        {
            yield return $"hpet {r["after"]}: legacy replacement routing on (GEN_CONF {r["config"]}; HPET 1.0a 2.3.5: " +
                         "LEG_RT_CNF resets to 0)";
        }

        foreach (var timer in new[] { "t0", "t1", "t2" }.Where(t => r[$"{t}_config"] is not null))
        {
            long timerConfig = r.GetInt64($"{timer}_config");
            if ((timerConfig & (TimerInterruptEnable | TimerPeriodic)) != 0)
            {
                yield return $"hpet {r["after"]}: timer {timer[1]} configuration {r[$"{timer}_config"]} has its interrupt " +
                             "enabled or periodic mode set (HPET 1.0a 2.3.8: Tn_INT_ENB_CNF and Tn_TYPE_CNF reset to 0)";
            }
        }
    }

    private static IEnumerable<string> HpetAsAtPowerOn(Record after, Record powerOn)
    {
        if (after["present"] != powerOn["present"])
        {
            yield return $"hpet after {after["after"]}: present={after["present"]}, at power-on present={powerOn["present"]}";
            yield break;
        }

        foreach (var comparator in new[] { "t0_comparator", "t1_comparator", "t2_comparator" }.Where(c => powerOn[c] is not null))
        {
            if (after[comparator] != powerOn[comparator])
            {
                yield return $"hpet after {after["after"]}: {comparator} {after[comparator]}, at power-on " +
                             $"{powerOn[comparator]}: the previous boot's comparator survived the reset";
            }
        }
    }
}
