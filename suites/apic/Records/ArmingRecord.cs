namespace Rig.Suites.Apic.Records;

/// <summary>
/// `RIG tarm apic=xapic|x2apic mode=oneshot|periodic|tsc-deadline|masked period_us=P origin_tsc=0x… write_us=W end_us=E
/// ticks=T1,T2,… gaps=S1+L1,… stolen_us=N`: one arming of the LAPIC timer on the BSP, printed by probes/TimerModes.cs
/// after its wait, judged by Oracles/TimerDeliveryRules.cs. Every time is in µs after origin_tsc, the TSC read just
/// before the arming's write (for TSC-deadline, the read the deadline was computed from, so the deadline is exactly
/// P; the VMM's own records are placed on the same line through it); W is when that
/// write had returned, E when the probe stopped watching; ticks are the handler's TSC reads; gaps are the stretches
/// in which the probe's waiting loop saw its own execution stop (<c>RunWatch</c>). Compiled into both sides.
/// </summary>
public static class ArmingRecord
{
    public const string Kind = "tarm";
    public const string Apic = "apic";
    public const string Mode = "mode";
    public const string PeriodUs = "period_us";
    public const string OriginTsc = "origin_tsc";
    public const string WriteUs = "write_us";
    public const string EndUs = "end_us";
    public const string Ticks = "ticks";
    public const string Gaps = "gaps";
    public const string StolenUs = "stolen_us";

    public const string OneShot = "oneshot";
    public const string Periodic = "periodic";
    public const string TscDeadline = "tsc-deadline";
    public const string Masked = "masked";
}
