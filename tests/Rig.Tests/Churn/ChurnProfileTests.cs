using Rig.Churn;

namespace Rig.Tests.Churn;

public sealed class ChurnProfileTests
{
    [Fact]
    public void The_lab_profile_on_a_24_core_lab_host_is_seed_000s_density()
    {
        var lab = ChurnProfile.ScaledLab(24);

        Assert.Equal((20, 4, 4, 6), (lab.Vms, lab.VcpusPerVm, lab.Transients, lab.LoadThreads));
    }

    [Theory]
    [InlineData(2, 2, 1)]
    [InlineData(12, 10, 2)]
    [InlineData(96, 20, 4)]
    public void A_smaller_host_keeps_the_density_per_host_cpu_and_a_bigger_one_the_seeds_counts(int hostCpus, int vms, int transients)
    {
        var lab = ChurnProfile.ScaledLab(hostCpus);

        Assert.Equal((vms, transients, TimeSpan.FromMilliseconds(0.25)), (lab.Vms, lab.Transients, lab.RepinInterval));
    }
}
