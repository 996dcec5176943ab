using Rig.Guest;

/// <summary>
/// apic.reset-state, guest side. Each boot dumps every LAPIC register the guest can read (xAPIC MMIO, then
/// x2APIC MSRs where the CPU has x2APIC), leaves the LAPIC dirty, and resets the machine the next way
/// (QMP system_reset, 0xCF9, 8042). The host judges the dumps (suites/apic/Oracles/LapicResetState.cs).
/// </summary>
public static class Probe
{
    public const string Name = "reset-state";

    public static void Main()
    {
        int boot = Runtime.BootNumber;
        if (boot > 1)
        {
            ApicDump.Both(ResetKind.Previous());
        }
        if (boot > ResetKind.Count)
        {
            return;
        }
        DirtyLapic.Leave(boot);
        ResetKind.Perform(boot, Name);
    }
}
