namespace Rig.Suites.Sched.Records;

/// <summary>
/// `RIG regdiff vm= cpu= reg= expected= seen= tsc=`: a register (index into the hold's table, or <see cref="MsrRegister"/> + MSR) that changed under the guest (probes/RegisterIntegrity.cs).
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class RegDiffRecord
{
    public const string Kind = "regdiff";
    public const string Vm = "vm";
    public const string Cpu = "cpu";
    public const string Register = "reg";
    public const string Expected = "expected";
    public const string Seen = "seen";
    public const string Tsc = "tsc";

    /// <summary>A `regdiff` of MSR n names register MsrRegister + n; 0..78 are the hold's GPRs, XMM and YMM-upper halves.</summary>
    public const long MsrRegister = 0x1_0000_0000;
}
