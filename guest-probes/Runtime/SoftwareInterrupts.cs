namespace Rig.Guest;

/// <summary>
/// INT 2 and INT 18 from CPL3: they call the NMI and #MC handlers like any INT n, without the processor's NMI blocking
/// or MCG_STATUS.MCIP (SDM Vol. 3A 6.3.3 "Software-Generated Interrupts"; seed 004's fake NMIs and MCEs). Each returns
/// <see cref="Faults.None"/>, or the vector of the fault a target raised at the instruction instead (kvm_pvm: #UD).
/// </summary>
public static class SoftwareInterrupts
{
    public static ulong Nmi() => Faults.Vector(Native.TryIntNmi());

    public static ulong MachineCheck() => Faults.Vector(Native.TryIntMachineCheck());
}
