namespace Rig.Suites.Apic.Records;

/// <summary>
/// `RIG tick boot=N source=lapic|pit|hpet period_us=P first_tick_us=X|none|unarmed [why=R] [waited_us=W] [ticks=N]`:
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

    /// <summary><see cref="FirstTickUs"/> when the target lacks that clock: noted, not judged.</summary>
    public const string Unarmed = "unarmed";

    /// <summary><see cref="FirstTickUs"/> when the probe waited and no tick came.</summary>
    public const string None = "none";
}
