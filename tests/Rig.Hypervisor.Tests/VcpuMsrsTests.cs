using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.Vm;

namespace Rig.Hypervisor.Tests;

/// <summary>
/// The MSR probe finds the MSRs KVM accepts with one KVM_GET_MSRS/KVM_SET_MSRS pair per refused candidate instead of
/// one pair per candidate; the set it finds must be the one KVM gives MSR by MSR.
/// </summary>
public sealed class VcpuMsrsTests
{
    [Fact]
    public void Accepted_runs_skip_exactly_the_entries_the_ioctl_stopped_at()
    {
        var refused = new HashSet<int> { 0, 3, 4, 9 };
        var starts = new List<int>();

        var accepted = VcpuMsrs.AcceptedRuns(10, start =>
        {
            starts.Add(start);
            int processed = 0;
            while (start + processed < 10 && !refused.Contains(start + processed))
            {
                processed++;
            }

            return processed;
        });

        Assert.Equal([1, 2, 5, 6, 7, 8], accepted);
        Assert.Equal([0, 1, 4, 5], starts);
    }

    [RequiresKvmFact]
    public void The_batched_probe_finds_the_msrs_kvm_takes_one_by_one()
    {
        using var kvm = new KvmSystem();
        using var vm = kvm.CreateVm();
        using var vcpu = vm.CreateVcpu(0);

        var msrs = VcpuMsrs.Probe(vcpu, mceBanks: 10);

        foreach (uint msr in msrs.SnapshotIndices)
        {
            Assert.Equal(1, vcpu.WriteMsrs([msr], vcpu.GetMsrs([msr])));
        }

        foreach (uint msr in VcpuMsrs.Candidates(10).Where(m => !msrs.SnapshotIndices.Contains(m)))
        {
            var value = new ulong[1];
            Assert.True(vcpu.ReadMsrs([msr], value) == 0 || vcpu.WriteMsrs([msr], value) == 0, $"MSR 0x{msr:x} is taken singly but the probe left it out");
        }
    }
}
