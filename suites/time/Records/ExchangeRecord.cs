namespace Rig.Suites.Time.Records;

/// <summary>
/// `RIG exchange i=N cpu=N host_ns= rtt_ns= tsc_hz= tsc_hz_from= tsc= [kvmclock_ns=] [xenclock_ns=]`: one guest/host time
/// exchange (probes/Drift.cs), the guest's clocks at the midpoint of the round trip; judged by Oracles/Drift.cs.
/// Compiled into the probes and the cases (the suite's ProbeSupport), so a field renamed on one side fails the build, not a run.
/// </summary>
public static class ExchangeRecord
{
    public const string Kind = "exchange";
    public const string Index = "i";
    public const string Cpu = "cpu";
    public const string HostNs = "host_ns";
    public const string RttNs = "rtt_ns";
    public const string TscHz = "tsc_hz";
    public const string TscHzFrom = "tsc_hz_from";
    public const string Tsc = "tsc";
}
