namespace Rig.Hypervisor.Irq;

/// <summary>The 8259A pair for snapshot save and revert: each chip and the INT output the LAPICs saw.</summary>
public sealed record PicState(PicChipState Master, PicChipState Slave, bool Output);

/// <summary>
/// One 8259A: where it is in the ICW sequence (0 operational, 1-3 waiting for ICW2-ICW4), the ICW and OCW settings,
/// its input levels and IRR/ISR/IMR (8259A data sheet, "Programming the 8259A").
/// </summary>
public sealed record PicChipState(
    int InitStep,
    bool NeedIcw4,
    bool LevelTriggered,
    bool ReadIsr,
    bool PollPending,
    bool SpecialMask,
    bool RotateOnAutoEoi,
    byte Lines,
    int LowestPriority,
    byte Irr,
    byte Isr,
    byte Imr,
    byte VectorBase,
    bool Single,
    bool AutoEoi,
    bool SpecialFullyNested);
