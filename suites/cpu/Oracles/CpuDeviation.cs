namespace Rig.Suites.Cpu.Oracles;

/// <summary>
/// One check of a cpu.* case that did not behave as the SDM says: <paramref name="Check"/> is the record's op (the check's
/// name, e.g. "sysenter"), <paramref name="Measured"/> what the guest saw, in the words a rig.json hostLimits entry
/// "cpu.case/check: measured" matches (Rig.Cases.HostLimit), and <paramref name="Text"/> the whole problem for the evidence:
/// what the guest did, what it saw, the SDM's rule and the record.
/// </summary>
public sealed record CpuDeviation(string Check, string Measured, string Text);
