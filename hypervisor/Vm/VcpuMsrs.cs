using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// The MSRs KVM keeps for a vCPU that a RESET sets (SDM Vol. 3 Table 10-1 and each MSR's own description) and that a
/// snapshot must carry. Only those this KVM accepts are used: the candidates are tried at start-up, all in one
/// KVM_GET_MSRS and one KVM_SET_MSRS plus one more of each per candidate KVM refuses (each was one pair per candidate,
/// 116 vCPU ioctls, ~1 ms of the start's CPU on kvm_pvm, where every vCPU ioctl's vcpu_load reads host MSRs).
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
        var accepted = Accepted(vcpu, Candidates(mceBanks));
        var reset = ResetCandidates.Where(c => accepted.Contains(c.Msr)).ToArray();
        var snapshot = reset.Select(c => c.Msr).Where(m => m != Ia32Tsc)
            .Concat(MachineCheck(mceBanks).Where(accepted.Contains))
            .Append(Ia32Tsc)
            .ToArray();
        return new VcpuMsrs(reset.Select(c => c.Msr).ToArray(), reset.Select(c => c.Value).ToArray(), snapshot);
    }

    /// <summary>Every MSR the probe tries: the reset set, then machine-check control and each bank's CTL, STATUS, ADDR, MISC.</summary>
    internal static uint[] Candidates(int mceBanks) => [.. ResetCandidates.Select(c => c.Msr), .. MachineCheck(mceBanks)];

    private static IEnumerable<uint> MachineCheck(int mceBanks) =>
        Enumerable.Range(0, mceBanks * 4).Select(i => Ia32Mc0Ctl + (uint)i).Prepend(Ia32McgCtl);

    /// <summary>The candidates KVM both reads and takes back (the value it gave), in the candidates' order.</summary>
    private static HashSet<uint> Accepted(KvmVcpu vcpu, uint[] candidates)
    {
        var values = new ulong[candidates.Length];
        var readable = AcceptedRuns(candidates.Length, start => vcpu.ReadMsrs(candidates[start..], values.AsSpan(start)));
        uint[] indices = [.. readable.Select(i => candidates[i])];
        ulong[] read = [.. readable.Select(i => values[i])];
        var writable = AcceptedRuns(indices.Length, start => vcpu.WriteMsrs(indices[start..], read[start..]));
        return [.. writable.Select(i => indices[i])];
    }

    /// <summary>
    /// The positions of <paramref name="count"/> entries that an ioctl processing them in order accepts, when it stops at
    /// the first it refuses and says how many it processed (<paramref name="processFrom"/>, given the first position to try):
    /// the entry after each accepted run is the refused one, and the next call starts past it.
    /// </summary>
    internal static List<int> AcceptedRuns(int count, Func<int, int> processFrom)
    {
        var accepted = new List<int>(count);
        for (int start = 0; start < count;)
        {
            int processed = processFrom(start);
            accepted.AddRange(Enumerable.Range(start, processed));
            start += processed + 1;
        }

        return accepted;
    }
}
