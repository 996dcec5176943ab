using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// The MSRs KVM keeps for a vCPU that a RESET sets (SDM Vol. 3 Table 10-1 and each MSR's own description) and that a
/// snapshot must carry. Only those this KVM accepts are used: each candidate is tried once at start-up.
/// </summary>
public sealed class VcpuMsrs
{
    private const uint Ia32Tsc = 0x10;
    private const uint Ia32Pat = 0x277;
    private const uint Ia32McgCtl = 0x17B;
    private const uint Ia32Mc0Ctl = 0x400;

    /// <summary>MSR → value after RESET. PAT's power-up value is 0007040600070406H (SDM Vol. 3 13.12.4).</summary>
    private static readonly (uint Msr, ulong Value)[] ResetCandidates =
    [
        (Ia32Tsc, 0),
        (0x174, 0), (0x175, 0), (0x176, 0), // SYSENTER_CS/ESP/EIP
        (0xC000_0081, 0), (0xC000_0082, 0), (0xC000_0083, 0), (0xC000_0084, 0), // STAR, LSTAR, CSTAR, SFMASK
        (0xC000_0102, 0), (0xC000_0103, 0), // KERNEL_GS_BASE, TSC_AUX
        (Ia32Pat, 0x0007_0406_0007_0406),
        (0x17A, 0), // MCG_STATUS
        (0x12, 0), (0x4B56_4D01, 0), // kvmclock system time (legacy, new): off until the guest enables it
        (0x4B56_4D02, 0), (0x4B56_4D03, 0), (0x4B56_4D04, 0), // async PF, steal time, PV EOI: off
    ];

    private VcpuMsrs(uint[] resetIndices, ulong[] resetValues, uint[] snapshotIndices)
    {
        ResetIndices = resetIndices;
        ResetValues = resetValues;
        SnapshotIndices = snapshotIndices;
    }

    public IReadOnlyList<uint> ResetIndices { get; }

    public IReadOnlyList<ulong> ResetValues { get; }

    /// <summary>The reset set plus machine-check control and banks; IA32_TSC last, so restoring it is the final TSC write.</summary>
    public IReadOnlyList<uint> SnapshotIndices { get; }

    public static VcpuMsrs Probe(KvmVcpu vcpu, int mceBanks)
    {
        var reset = ResetCandidates.Where(c => Accepts(vcpu, c.Msr)).ToArray();
        var machineCheck = Enumerable.Range(0, mceBanks * 4).Select(i => Ia32Mc0Ctl + (uint)i).Prepend(Ia32McgCtl);
        var snapshot = reset.Select(c => c.Msr).Where(m => m != Ia32Tsc)
            .Concat(machineCheck.Where(m => Accepts(vcpu, m)))
            .Append(Ia32Tsc)
            .ToArray();
        return new VcpuMsrs(reset.Select(c => c.Msr).ToArray(), reset.Select(c => c.Value).ToArray(), snapshot);
    }

    private static bool Accepts(KvmVcpu vcpu, uint msr)
    {
        try
        {
            vcpu.SetMsrs([msr], vcpu.GetMsrs([msr]));
            return true;
        }
        catch (KvmException)
        {
            return false;
        }
    }
}
