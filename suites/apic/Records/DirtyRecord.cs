namespace Rig.Suites.Apic.Records;

/// <summary>
/// `RIG dirty boot=N cpu=N id=0x.. ver=0x.. ppr=0x.. ticks=N isr=.. irr=..`: the LAPIC state a reset has to clear,
/// printed by probes/Shared/DirtyLapic.cs, read by the cases and Observations.cs. Compiled into both (the suite's
/// ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class DirtyRecord
{
    public const string Kind = "dirty";
    public const string Boot = "boot";
    public const string Cpu = "cpu";
    public const string Id = "id";
    public const string Ver = "ver";
    public const string Ppr = "ppr";
    public const string Ticks = "ticks";
    public const string Isr = "isr";
    public const string Irr = "irr";
}
