using Rig.Guest;

/// <summary>
/// Machine-check set-up and the host's `mce` request (docs/protocol.md). Uncorrected errors are reported only with
/// IA32_MCG_CTL and the bank's IA32_MCi_CTL all ones (SDM Vol. 3B 16.3.1.3, 16.3.2.1; QEMU refuses the injection
/// otherwise), and CR4.MCE is set by the stub.
/// </summary>
public static class MachineCheck
{
    public const int Vector = 18;
    public const int Bank = 1;
    private const uint McgCtl = 0x17B;
    private const uint Mc0Ctl = 0x400;
    private const ulong AllOnes = 0xFFFF_FFFF_FFFF_FFFF;

    /// <summary>On the calling vCPU (the MSRs are per processor); false when the MSRs are not there.</summary>
    public static bool EnableReporting() =>
        Msr.TryWrite(McgCtl, AllOnes) && Msr.TryWrite(Mc0Ctl + 4 * Bank, AllOnes);

    /// <summary>
    /// An uncorrected error in bank 1 of vCPU 0 (MCi_STATUS VAL | UC | EN, SDM Vol. 3B 16.3.2.2) with MCG_STATUS RIPV |
    /// MCIP, as a processor signals a machine check (16.3.1.2: MCIP set when #MC is generated).
    /// </summary>
    public const string Request = "mce bank=1 status=0xb000000000000000 mcg=0x5 addr=0x1000 misc=0x0";
}
