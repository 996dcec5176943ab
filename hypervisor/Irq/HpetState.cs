namespace Rig.Hypervisor.Irq;

/// <summary>The HPET block for snapshot save and revert: GEN_CONF, GINTR_STA, the main counter's value at the save, and each timer.</summary>
public sealed record HpetState(ulong Configuration, ulong InterruptStatus, ulong Counter, HpetTimerState[] Timers);

/// <summary>One comparator: Tn_CONF, its current match value, the period added at each periodic match, and whether it holds its level line asserted.</summary>
public sealed record HpetTimerState(ulong Config, ulong Comparator, ulong PeriodTicks, bool Asserted);
