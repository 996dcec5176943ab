namespace Rig.Guest;

/// <summary>
/// Device registers in guest-physical MMIO (identity-mapped, uncached). Each access is one 32-bit load or store made by
/// the stub, never a pointer dereference the compiler may narrow or merge: the HPET (spec 1.0a 2.3.1), the LAPIC (SDM
/// Vol. 3A 12.4.1) and the IOAPIC (82093AA data sheet 3.0) define only aligned 32-bit accesses. Measured: a dereference
/// tested against a constant became a byte-wide TEST, and QEMU's HPET read it as 0.
/// </summary>
public static class Mmio
{
    public static uint Read32(ulong address) => Native.MmioRead32(address);

    public static void Write32(ulong address, uint value) => Native.MmioWrite32(address, value);
}
