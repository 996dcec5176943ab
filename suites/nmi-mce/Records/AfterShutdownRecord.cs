namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG after-shutdown boot=`: the probe booted again after a shutdown (probes/DoubleMce.cs): a double #MC must shut down (SDM Vol. 3B 16.10).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class AfterShutdownRecord
{
    public const string Kind = "after-shutdown";
    public const string Boot = "boot";
}
