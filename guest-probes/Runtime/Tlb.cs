namespace Rig.Guest;

/// <summary>The TLB invalidations software owes after changing a paging-structure entry (SDM Vol. 3A 4.10.4.1), through the gate.</summary>
public static class Tlb
{
    /// <summary>INVLPG: this vCPU forgets its translation of the page holding <paramref name="linearAddress"/>.</summary>
    public static void Invalidate(ulong linearAddress) => Native.Gate(GateOp.Invlpg, linearAddress, 0, 0);

    /// <summary>A CR3 write with its own value: this vCPU forgets every non-global translation; returns CR3.</summary>
    public static ulong ReloadCr3() => Native.Gate(GateOp.ReloadCr3, 0, 0, 0);
}
