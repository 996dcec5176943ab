using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Vm;

/// <summary>The user-space chipset's interrupt controllers and timers as a snapshot keeps them (the LAPICs go with their vCPUs).</summary>
public sealed record ChipsetState(IoApicState IoApic, PicState Pic, PitState Pit, HpetState Hpet);
