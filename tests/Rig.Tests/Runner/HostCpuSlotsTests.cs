using Rig.Runner;

namespace Rig.Tests.Runner;

public sealed class HostCpuSlotsTests
{
    [Fact]
    public void Jobs_share_the_cpus_without_overlap()
    {
        var slots = new HostCpuSlots([0, 1, 2, 3, 4, 5, 6], 3);
        Assert.Equal([[0, 1], [2, 3], [4, 5, 6]], Enumerable.Range(0, 3).Select(k => slots[k]!));
    }

    [Fact]
    public void With_fewer_cpus_than_jobs_or_one_job_nothing_is_pinned()
    {
        var tooFew = new HostCpuSlots([0, 1], 3);
        Assert.All(Enumerable.Range(0, 3), k => Assert.Null(tooFew[k]));
        Assert.Null(new HostCpuSlots([0, 1, 2, 3], 1)[0]);
    }

    [Theory]
    [InlineData(2, 24 * 1024, 2)]
    [InlineData(24, 8 * 1024, 8)]
    [InlineData(4, 300, 1)]
    public void The_default_job_count_is_bounded_by_cpus_and_memory(int cpus, long memoryMiB, int jobs) =>
        Assert.Equal(jobs, JobCount.Affordable(cpus, memoryMiB));
}
