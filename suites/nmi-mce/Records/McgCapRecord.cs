namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG mcg cap= banks=`: IA32_MCG_CAP and its bank count (probes/MceBanks.cs, SDM Vol. 3B 16.3.1.1).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class McgCapRecord
{
    public const string Kind = "mcg";
    public const string Cap = "cap";
    public const string Banks = "banks";
}
