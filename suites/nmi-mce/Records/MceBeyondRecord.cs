namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG mce-beyond bank= gp= value=`: IA32_MCi_CTL of the first bank past MCG_CAP.Count: read or #GP (probes/MceBanks.cs).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class MceBeyondRecord
{
    public const string Kind = "mce-beyond";
    public const string Bank = "bank";
    public const string Gp = "gp";
    public const string Value = "value";
}
