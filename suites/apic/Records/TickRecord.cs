namespace Rig.Suites.Apic.Records;

/// <summary>
/// `RIG tick boot=N source=lapic|pit|hpet period_us=P first_tick_us=X|none|unarmed [why=R] [waited_us=W] [ticks=N]
/// [ran_us=R stolen_us=S]`: R is the part of the wait the vCPU ran, S the part it was seen not to (RunWatch);
/// printed by probes/TimerAfterReboot.cs, judged by Oracles/FirstTickAfterReboot.cs. Compiled into both (the suite's
/// ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class TickRecord
{
    public const string Kind = "tick";
    public const string Boot = "boot";
    public const string Source = "source";
    public const string PeriodUs = "period_us";
    public const string FirstTickUs = "first_tick_us";
    public const string Why = "why";
    public const string WaitedUs = "waited_us";
    public const string Ticks = "ticks";
    public const string RanUs = "ran_us";
    public const string StolenUs = "stolen_us";

    /// <summary><see cref="FirstTickUs"/> when the target lacks that clock: noted, not judged.</summary>
    public const string Unarmed = "unarmed";

    /// <summary><see cref="FirstTickUs"/> when the probe waited and no tick came.</summary>
    public const string None = "none";
}
