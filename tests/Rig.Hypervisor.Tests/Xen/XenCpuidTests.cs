using System.Text;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>The Xen leaves at 0x40000100 as arch-x86/cpuid.h describes them.</summary>
public sealed class XenCpuidTests
{
    private static readonly TimeScale Scale = TimeScale.FromFrequency(2_446_000_000);

    [Fact]
    public void The_first_leaf_names_the_last_leaf_and_reads_XenVMMXenVMM()
    {
        var first = XenCpuid.Entries(0, 2_446_000_000, Scale, tscStable: true).Single(e => e.Function == 0x40000100);

        Assert.Equal(0x40000104u, first.Eax);
        byte[] signature = [.. BitConverter.GetBytes(first.Ebx), .. BitConverter.GetBytes(first.Ecx), .. BitConverter.GetBytes(first.Edx)];
        Assert.Equal("XenVMMXenVMM", Encoding.ASCII.GetString(signature));
    }

    [Fact]
    public void Version_hypercall_page_and_msr_leaves()
    {
        var entries = XenCpuid.Entries(0, 2_446_000_000, Scale, tscStable: true);

        Assert.Equal(0x0004_0013u, entries.Single(e => e.Function == 0x40000101).Eax);
        var hypercall = entries.Single(e => e.Function == 0x40000102);
        Assert.Equal(1u, hypercall.Eax);
        Assert.Equal(XenCpuid.HypercallPageMsr, hypercall.Ebx);
    }

    [Fact]
    public void The_time_leaf_has_three_index_significant_sub_leaves()
    {
        var time = XenCpuid.Entries(0, 2_446_000_000, Scale, tscStable: true)
            .Where(e => e.Function == 0x40000103).OrderBy(e => e.Index).ToArray();

        Assert.Equal([0u, 1u, 2u], time.Select(e => e.Index));
        Assert.All(time, e => Assert.Equal(1u, e.Flags));
        Assert.Equal((XenCpuid.TscHostReliable, 2u, 2_446_000u), (time[0].Eax, time[0].Ebx, time[0].Ecx));
        Assert.Equal((Scale.MulFrac, 0xFFFF_FFFFu), (time[1].Ecx, time[1].Edx)); // shift -1, sign-extended
        Assert.Equal(2_446_000u, time[2].Eax);
    }

    [Fact]
    public void An_unstable_tsc_is_not_reported_reliable()
    {
        var time0 = XenCpuid.Entries(0, 2_446_000_000, Scale, tscStable: false)
            .Single(e => e.Function == 0x40000103 && e.Index == 0);

        Assert.Equal(0u, time0.Eax);
    }

    [Fact]
    public void The_hvm_leaf_carries_each_vcpus_id()
    {
        var hvm = XenCpuid.Entries(3, 2_446_000_000, Scale, tscStable: true).Single(e => e.Function == 0x40000104);

        Assert.Equal(XenCpuid.HvmVcpuIdPresent, hvm.Eax);
        Assert.Equal(3u, hvm.Ebx);
    }
}
