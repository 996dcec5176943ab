namespace Rig.Hypervisor.Irq;

/// <summary>
/// Everything a LAPIC holds, for snapshot save and revert. The one-shot/periodic timer is kept as the time left until its
/// next expiry (and the phase within the count), not as a host deadline, so a state restored later, in another process,
/// resumes with the same remaining count (SDM Vol. 3A 12.5.4). The TSC-deadline timer is kept as its TSC value, since the
/// guest TSC is restored with the snapshot.
/// </summary>
public sealed record LapicState(
    ulong ApicBase,
    uint Id,
    uint Tpr,
    uint Ldr,
    uint Dfr,
    uint Svr,
    uint[] Isr,
    uint[] Tmr,
    uint[] Irr,
    uint ErrorsVisible,
    uint ErrorsPending,
    uint IcrLow,
    uint IcrHigh,
    uint[] Lvt,
    uint InitialCount,
    uint DivideConfiguration,
    bool TimerRunning,
    long TimerElapsedNs,
    ulong TscDeadline,
    bool NmiPending,
    bool InitPending,
    bool SipiPending,
    byte SipiVector,
    bool ExtIntPending,
    bool[] LintLevels);
