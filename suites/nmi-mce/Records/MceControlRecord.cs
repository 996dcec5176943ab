namespace Rig.Suites.NmiMce.Records;

/// <summary>
/// `RIG mce-ctl bank= write_zero_ok= read_zero= write_ones_ok= read_ones=`: IA32_MCi_CTL written with all zeros and all ones and read back (probes/MceBanks.cs, SDM Vol. 3B 16.3.2.1).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class MceControlRecord
{
    public const string Kind = "mce-ctl";
    public const string Bank = "bank";
    public const string WriteZeroOk = "write_zero_ok";
    public const string ReadZero = "read_zero";
    public const string WriteOnesOk = "write_ones_ok";
    public const string ReadOnes = "read_ones";
}
